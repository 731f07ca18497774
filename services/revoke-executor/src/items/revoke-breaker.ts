import type { Logger } from "@warden/logger";
import type { RevokeOutcome } from "@warden/oauth";
import { revokeBreakerFailuresKey, revokeBreakerOpenKey, type Redis } from "@warden/redis";

/** The breaker a provider call belongs to: one per job run and auth config. */
export interface BreakerKey {
  jobId: string;
  run: number;
  authConfigId: string;
}

/** What opened a breaker, for the one notification about it. */
export interface BreakerOpened extends BreakerKey {
  /** The account whose failure tripped it. */
  accountId: string;
  errorCode: string;
  failures: number;
}

/**
 * Stops a revoke job from hammering a provider that rejects the OAuth client
 * itself: per job run and auth config, `threshold` consecutive app-level
 * failures open the breaker, and the rest of that auth config's items in the
 * run fail `circuit_open` without a provider call.
 */
export interface RevokeBreaker {
  /** True once the breaker of this job run and auth config is open (in this process's view; no I/O). */
  isOpen(key: BreakerKey): boolean;
  /** Counts a provider answer: app-level failures add up, any other answer from the provider resets. */
  record(key: BreakerKey, accountId: string, answer: RevokeOutcome): Promise<void>;
  /** Forgets everything about an auth config (its client was fixed by UpdateAuthConfig). */
  reset(authConfigId: string): void;
}

/** Error codes that blame the OAuth client, not one user's grant (as the refresh side classifies them). */
const APP_LEVEL_CODES = new Set(["invalid_client", "unauthorized_client"]);

/** True for an answer that says the OAuth client itself is rejected: invalid_client, unauthorized_client or HTTP 401. */
export function isAppLevelFailure(answer: RevokeOutcome): boolean {
  return answer.kind === "failed" && (APP_LEVEL_CODES.has(answer.errorCode) || answer.status === 401);
}

// One round trip per app-level failure: count it and, at the threshold, claim the opening
// (HSETNX) so exactly one replica reports it. Returns [failures, opened by this call].
const COUNT_FAILURE = `
local n = redis.call("hincrby", KEYS[1], ARGV[1], 1)
redis.call("pexpire", KEYS[1], ARGV[3])
if n >= tonumber(ARGV[2]) then
  local opened = redis.call("hsetnx", KEYS[2], ARGV[1], ARGV[4])
  redis.call("pexpire", KEYS[2], ARGV[3])
  return {n, opened}
end
return {n, 0}`;

// Long enough to outlive any job run; the keys are per auth config, so they stay few.
const STATE_TTL_MS = 7 * 24 * 3600_000;
// Local state is a cache of Redis: dropping it costs at most one provider call per
// breaker (the next failure's count comes back at or over the threshold and re-opens it).
const MAX_LOCAL_ENTRIES = 10_000;

/**
 * The breaker state lives in Redis, keyed by auth config and job run, so every
 * replica counts into one streak and sees it open; each process also keeps
 * what it learnt in memory, so the check before a provider call costs nothing.
 *
 * Bound on provider calls per job run and auth config, with R replicas and L =
 * WARDEN_REVOKE_PER_AUTH_CONFIG: the streak reaches `threshold` after that many
 * failing calls; calls already in flight then still finish (at most L − 1 on the
 * replica that opened it), and each other replica learns of the open breaker at
 * its first failure after it (its count comes back over the threshold) with at
 * most L calls in flight: at most threshold + R·L − 1 calls in all. A call's
 * answer is recorded before its provider slot is released, so no new call slips
 * in between a failure and its count.
 *
 * A success resets the streak only when this process knows a streak is running
 * (so revoked items cost no Redis write); if Redis is unreachable the breaker
 * counts per process, which keeps the same bound per replica.
 */
export function createRevokeBreaker(deps: {
  redis: Redis;
  /** Consecutive app-level failures that open the breaker (WARDEN_REVOKE_BREAKER_THRESHOLD). */
  threshold: number;
  /** Called once per breaker, by the replica that opened it. */
  onOpen: (opened: BreakerOpened) => void;
  logger: Logger;
}): RevokeBreaker {
  const { redis, threshold, onOpen, logger } = deps;
  const local = new Map<string, { failures: number; open: boolean }>();
  const field = (key: BreakerKey) => `${key.jobId}:${key.run}`;
  const localKey = (key: BreakerKey) => `${key.authConfigId}/${field(key)}`;

  const stateOf = (key: BreakerKey) => {
    const id = localKey(key);
    let state = local.get(id);
    if (state === undefined) {
      if (local.size >= MAX_LOCAL_ENTRIES) local.clear();
      state = { failures: 0, open: false };
      local.set(id, state);
    }
    return state;
  };

  async function countFailure(key: BreakerKey, accountId: string, errorCode: string): Promise<void> {
    const state = stateOf(key);
    let failures = state.failures + 1;
    let opened = failures >= threshold && !state.open;
    try {
      const [count, claimed] = (await redis.eval(
        COUNT_FAILURE,
        2,
        revokeBreakerFailuresKey(key.authConfigId),
        revokeBreakerOpenKey(key.authConfigId),
        field(key),
        String(threshold),
        String(STATE_TTL_MS),
        String(Date.now()),
      )) as [number, number];
      failures = count;
      opened = claimed === 1;
    } catch (error) {
      logger.warn(
        { authConfigId: key.authConfigId, err: { message: (error as Error).message } },
        "revoke breaker cannot reach Redis; counting in this process only",
      );
    }
    state.failures = failures;
    if (failures < threshold) return;
    state.open = true;
    if (!opened) return;
    logger.warn(
      { jobId: key.jobId, run: key.run, authConfigId: key.authConfigId, errorCode, failures },
      "revoke breaker opened: the provider rejects the OAuth client; the auth config's remaining items fail circuit_open",
    );
    onOpen({ ...key, accountId, errorCode, failures });
  }

  async function resetStreak(key: BreakerKey): Promise<void> {
    const state = local.get(localKey(key));
    if (state === undefined || state.failures === 0 || state.open) return;
    state.failures = 0;
    await redis.hdel(revokeBreakerFailuresKey(key.authConfigId), field(key)).catch(() => undefined);
  }

  return {
    isOpen: (key) => local.get(localKey(key))?.open === true,
    async record(key, accountId, answer) {
      if (isAppLevelFailure(answer)) {
        await countFailure(key, accountId, answer.kind === "failed" ? answer.errorCode : "");
      } else if (answer.kind !== "retry") {
        // The provider accepted the client (it revoked, or refused one user's token).
        await resetStreak(key);
      }
    },
    reset(authConfigId) {
      for (const id of local.keys()) if (id.startsWith(`${authConfigId}/`)) local.delete(id);
    },
  };
}
