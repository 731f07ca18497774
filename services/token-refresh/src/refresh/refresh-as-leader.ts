import {
  clientSecretAssociatedData,
  openAccountToken,
  sealAccountTokens,
  type Keyring,
} from "@warden/crypto";
import type { Database } from "@warden/db";
import { failedPrecondition, type WardenError } from "@warden/errors";
import type { Logger } from "@warden/logger";
import { requestRefreshTokenGrant, type RefreshOutcome } from "@warden/oauth";
import type { Kysely, Transaction } from "kysely";
import {
  findRefreshClient,
  findTokenAccount,
  markNeedsReconnect,
  writeRefreshedTokens,
  type TokenAccount,
} from "../repositories/token-accounts.repository.js";
import { tokenFailure } from "./refresh-errors.js";
import type { RefreshEvents } from "./refresh-events.js";
import type { RefreshMetrics } from "./refresh-metrics.js";

/** Test seams; production passes none. */
export interface RefreshHooks {
  /** Runs after the provider answered and before the fenced write (a paused process, in tests). */
  afterProviderCall?(accountId: string): Promise<void>;
}

/** What the leader needs besides a database handle. */
export interface LeaderDeps {
  keyring: Keyring;
  logger: Logger;
  metrics: RefreshMetrics;
  providerTimeoutMs: number;
  now: () => Date;
  hooks?: RefreshHooks;
  fetch?: typeof fetch;
  /** Builds the account events the leader's writes commit to the outbox. */
  events?: Pick<RefreshEvents, "eventOf">;
}

/**
 * What a leader's critical section came to. Side effects that must follow
 * the commit (events, Redis caches) are left to the caller, because in the
 * advisory-lock path the writes commit only when the transaction ends.
 */
export type LeaderOutcome =
  | { kind: "refreshed"; account: TokenAccount }
  /** The fence refused our write or mark: someone stored newer tokens; `latest` is what is there now. */
  | { kind: "superseded"; accountId: string; latest: TokenAccount | undefined }
  | { kind: "account_failed"; account: TokenAccount; errorCode: string }
  | { kind: "app_failed"; account: TokenAccount; errorCode: string }
  | { kind: "transient"; account: TokenAccount; errorCode: string }
  | { kind: "refused"; error: WardenError };

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Refreshes `account` (as read while holding the lock) once with the
 * provider and stores the result fenced by the token_version it read: a
 * rotated refresh token goes into the same statement as the access token, and
 * a provider that did not rotate leaves the old one (re-sealed with the access
 * token's key). Never throws for provider failures; returns what happened.
 */
export async function refreshAsLeader(
  deps: LeaderDeps,
  db: Db,
  account: TokenAccount,
  whileCallingProvider: <T>(call: () => Promise<T>) => Promise<T> = (call) => call(),
): Promise<LeaderOutcome> {
  const binding = { authConfigId: account.auth_config_id, externalUserId: account.external_user_id };
  if (account.refresh_token_ciphertext === null || account.token_key_id === null) {
    return { kind: "refused", error: tokenFailure(account, "NEEDS_RECONNECT", "no_refresh_token") };
  }
  const client = await findRefreshClient(db, account.auth_config_id);
  if (!client || client.deleted_at !== null) {
    return {
      kind: "refused",
      error: failedPrecondition(`auth config ${account.auth_config_id} was deleted`),
    };
  }
  const refreshToken = openAccountToken(deps.keyring, binding, "refresh", {
    ciphertext: account.refresh_token_ciphertext,
    keyId: account.token_key_id,
  });
  const clientSecret =
    client.client_secret_ciphertext && client.client_secret_key_id
      ? deps.keyring.open(
          { ciphertext: client.client_secret_ciphertext, keyId: client.client_secret_key_id },
          clientSecretAssociatedData(client.id),
        )
      : null;

  const outcome: RefreshOutcome = await whileCallingProvider(() =>
    requestRefreshTokenGrant({
      tokenUrl: client.token_url,
      refreshToken,
      client: { clientId: client.client_id, clientSecret, method: client.client_auth },
      timeoutMs: deps.providerTimeoutMs,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    }),
  );
  await deps.hooks?.afterProviderCall?.(account.id);
  const now = deps.now();

  if (outcome.kind === "refreshed") {
    deps.metrics.providerCalls.inc({ outcome: "refreshed" });
    const sealed = sealAccountTokens(deps.keyring, binding, {
      access: outcome.accessToken,
      refresh: outcome.refreshToken ?? refreshToken,
    });
    const expiresAt =
      outcome.expiresInSeconds === null ? null : new Date(now.getTime() + outcome.expiresInSeconds * 1000);
    const written = await writeRefreshedTokens(
      db,
      account.id,
      account.token_version,
      { ...sealed, expiresAt },
      now,
      deps.events && ((written) => deps.events!.eventOf("refreshed", written)),
    );
    if (written) return { kind: "refreshed", account: written };
    return { kind: "superseded", accountId: account.id, latest: await findTokenAccount(db, account.id) };
  }

  const log = {
    accountId: account.id,
    authConfigId: account.auth_config_id,
    errorCode: outcome.errorCode,
    status: outcome.status,
  };
  switch (outcome.failureClass) {
    case "account": {
      deps.metrics.providerCalls.inc({ outcome: "account_terminal" });
      const marked = await markNeedsReconnect(
        db,
        account.id,
        account.token_version,
        outcome.errorCode,
        now,
        deps.events?.eventOf("needs_reconnect", account, outcome.errorCode),
      );
      if (!marked)
        return { kind: "superseded", accountId: account.id, latest: await findTokenAccount(db, account.id) };
      deps.logger.warn(log, "refresh failed terminally; account needs a reconnect");
      return { kind: "account_failed", account, errorCode: outcome.errorCode };
    }
    case "app":
      deps.metrics.providerCalls.inc({ outcome: "app_terminal" });
      deps.logger.error(
        log,
        "provider refused the auth config's client; refreshes paused for this auth config",
      );
      return { kind: "app_failed", account, errorCode: outcome.errorCode };
    case "transient":
      deps.metrics.providerCalls.inc({ outcome: "transient" });
      deps.logger.warn(log, "provider refresh failed transiently");
      return { kind: "transient", account, errorCode: outcome.errorCode };
  }
}
