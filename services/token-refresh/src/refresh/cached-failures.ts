import { accountRefreshFailureKey, authConfigRefreshFailureKey, type Redis } from "@warden/redis";

/** A terminal failure as cached in Redis; `tokenVersion` is the account's version when it failed. */
export interface CachedAccountFailure {
  code: string;
  tokenVersion: number;
}

/** Both caches that can short-circuit a refresh, read in one round trip. */
export interface CachedFailures {
  account?: CachedAccountFailure;
  app?: { code: string };
}

/**
 * Reads the account's and its auth config's cached failures. An account
 * failure older than the account's current token_version was cleared by a
 * reconnect and is ignored. Redis being down reads as "nothing cached": the
 * account's durable status still stops retries.
 */
export async function readCachedFailures(
  redis: Redis,
  account: { id: string; auth_config_id: string; token_version: number },
): Promise<CachedFailures> {
  let values: (string | null)[];
  try {
    values = await redis.mget(
      accountRefreshFailureKey(account.id),
      authConfigRefreshFailureKey(account.auth_config_id),
    );
  } catch {
    return {};
  }
  const result: CachedFailures = {};
  const accountFailure = parse(values[0]);
  if (
    typeof accountFailure?.code === "string" &&
    typeof accountFailure.tokenVersion === "number" &&
    accountFailure.tokenVersion >= account.token_version
  ) {
    result.account = { code: accountFailure.code, tokenVersion: accountFailure.tokenVersion };
  }
  const appFailure = parse(values[1]);
  if (typeof appFailure?.code === "string") result.app = { code: appFailure.code };
  return result;
}

/** Caches a terminal per-account failure; best effort (the account's status is the durable record). */
export async function cacheAccountFailure(
  redis: Redis,
  failure: CachedAccountFailure & { accountId: string },
  ttlMs: number,
): Promise<void> {
  const value = JSON.stringify({ code: failure.code, tokenVersion: failure.tokenVersion });
  await redis.set(accountRefreshFailureKey(failure.accountId), value, "PX", ttlMs);
}

/** Caches an app-level failure of an auth config for `ttlMs`. */
export async function cacheAppFailure(
  redis: Redis,
  authConfigId: string,
  code: string,
  ttlMs: number,
): Promise<void> {
  await redis.set(authConfigRefreshFailureKey(authConfigId), JSON.stringify({ code }), "PX", ttlMs);
}

function parse(value: string | null | undefined): Record<string, unknown> | undefined {
  if (!value) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
