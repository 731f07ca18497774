import { notFound, unavailable } from "@warden/errors";
import type { Redis } from "@warden/redis";
import { sql } from "kysely";
import { findTokenAccount, type TokenAccount } from "../repositories/token-accounts.repository.js";
import { cacheAccountFailure, cacheAppFailure, readCachedFailures } from "./cached-failures.js";
import { refreshAsLeader, type LeaderDeps, type LeaderOutcome } from "./refresh-as-leader.js";
import { refreshFailureError, tokenFailure, unusableAccountError, verdictOf } from "./refresh-errors.js";
import type { RefreshEvents } from "./refresh-events.js";
import { createFlightSlots } from "./flight-slots.js";
import { createLeaderDrain } from "./leader-drain.js";
import { withSpan } from "@warden/telemetry";
import { createRedisOutageClock } from "./redis-outage-clock.js";
import { keepRefreshLockAlive, type RedisRefreshLock } from "./redis-refresh-lock.js";

/** Everything the coordinator needs; built once per process. */
export interface RefreshCoordinatorDeps extends LeaderDeps {
  redis: Redis;
  lock: RedisRefreshLock;
  events: RefreshEvents;
  /** Names the advisory locks, which are database-wide rather than per schema. */
  namespace: string;
  accountFailureTtlMs: number;
  appFailureTtlMs: number;
  /** A follower's bounded wait for the leader's event before it re-reads and tries the lock itself. */
  followerWaitMs: number;
  /**
   * Advisory-lock refreshes this process runs at once. Each holds a pooled
   * connection across the provider call, so this stays well under the pool
   * size: the rest of the pool keeps serving reads, and extra refreshes queue
   * here (no pool timeout) instead of in the pool.
   */
  advisoryConcurrency: number;
  /** Sees every token this process stored (to update a read cache). */
  onRefreshed?: (account: TokenAccount) => void;
}

/** A refresh's result: the account as stored now, and whether its token changed since the caller read it. */
export interface RefreshResult {
  account: TokenAccount;
  refreshed: boolean;
}

/** One refresh per account across every replica. */
export interface RefreshCoordinator {
  /**
   * Makes sure the account's token is newer than `seen` (the row the caller
   * read): joins a refresh in flight here or elsewhere, or leads one. Throws
   * FAILED_PRECONDITION (TokenFailure) for terminal failures, UNAVAILABLE for
   * transient ones.
   */
  refresh(seen: TokenAccount): Promise<RefreshResult>;
  /** Refreshes this process is running or waiting for. */
  inFlight(): number;
  /**
   * For shutdown: refuses new provider calls (UNAVAILABLE, so callers retry
   * elsewhere) and resolves once every provider call in flight has had its
   * answer written, or after `timeoutMs`; resolves with how many had not.
   */
  drain(timeoutMs: number): Promise<number>;
}

type CoordinatorOutcome = LeaderOutcome | { kind: "settled"; account: TokenAccount };

// A follower that saw neither an event nor a change this many times gives up with UNAVAILABLE.
const FOLLOWER_ROUNDS = 3;
const LOCK_NOT_AVAILABLE = "55P03";

class RedisUnreachable extends Error {}

/**
 * Builds the coordinator: in-process coalescing first, then a Redis leader
 * lock (owner token, renewal while the provider call runs, compare-and-delete
 * release) whose followers are woken by the leader's NATS event; when Redis is
 * unreachable, a PostgreSQL advisory lock held across the provider call.
 */
export function createRefreshCoordinator(deps: RefreshCoordinatorDeps): RefreshCoordinator {
  const { db, redis, lock, events, metrics, logger } = deps;
  const flights = new Map<string, Promise<RefreshResult>>();
  const advisorySlots = createFlightSlots(deps.advisoryConcurrency);
  const outage = createRedisOutageClock(redis, deps.providerTimeoutMs);
  const leaders = createLeaderDrain();

  // One span per coalesced flight: its lock wait and provider call are children.
  function run(seen: TokenAccount, startedAt: number): Promise<RefreshResult> {
    return withSpan("token.refresh", { attributes: { "warden.account_id": seen.id } }, () =>
      runInSpan(seen, startedAt),
    );
  }

  async function runInSpan(seen: TokenAccount, startedAt: number): Promise<RefreshResult> {
    const cached = await readCachedFailures(redis, seen);
    if (cached.account) {
      metrics.cachedFailureShortCircuits.inc({ scope: "account" });
      throw tokenFailure(seen, "NEEDS_RECONNECT", cached.account.code);
    }
    if (cached.app) {
      metrics.cachedFailureShortCircuits.inc({ scope: "app" });
      throw tokenFailure(seen, "APP_MISCONFIGURED", cached.app.code);
    }
    if (redis.status === "ready") {
      try {
        return await refreshUnderRedisLock(seen, startedAt);
      } catch (error) {
        if (!(error instanceof RedisUnreachable)) throw error;
        logger.warn(
          { accountId: seen.id, err: { message: String(error.cause) } },
          "redis unreachable; refresh falls back to postgres advisory lock",
        );
      }
    }
    outage.markDown();
    metrics.lockFallbacks.inc();
    const settled = await awaitRedisEraLeader(seen);
    if (settled) return settled;
    return advisorySlots.run(() => refreshUnderAdvisoryLock(seen, startedAt));
  }

  /**
   * Just after Redis went down, a leader elected through Redis (which holds no
   * advisory lock) may still be calling the provider; refreshing now would
   * present the same refresh token twice. Wait for its event (not a poll) until
   * its provider call must have ended, then re-read.
   */
  async function awaitRedisEraLeader(seen: TokenAccount): Promise<RefreshResult | undefined> {
    const remaining = outage.redisEraLeadersDoneBy() - Date.now();
    if (remaining <= 0) return undefined;
    const waiter = await events.listen(seen.id);
    try {
      const event = await waiter.next(remaining);
      const settled = settledByOthers(seen, await findTokenAccount(db, seen.id));
      if (settled) return await settle(settled);
      if (event && event.kind !== "refreshed") {
        return await settle({
          kind: "refused",
          error: refreshFailureError(seen, event.errorCode, verdictOf(event)),
        });
      }
      return undefined;
    } finally {
      waiter.close();
    }
  }

  async function refreshUnderRedisLock(seen: TokenAccount, startedAt: number): Promise<RefreshResult> {
    // Subscribe before looking at the lock: a leader finishing between our
    // lock check and our subscription would otherwise be a lost wake-up.
    const waiter = await events.listen(seen.id);
    try {
      for (let round = 0; round < FOLLOWER_ROUNDS; round++) {
        let owner: string | undefined;
        try {
          owner = await withSpan("token.refresh.lock", { attributes: { "warden.lock": "redis" } }, () =>
            lock.tryAcquire(seen.id),
          );
        } catch (error) {
          // Nothing irreversible happened in this flight yet, so falling back is safe.
          throw new RedisUnreachable("redis lock unavailable", { cause: error });
        }
        if (owner !== undefined) {
          observeLockWait("leader", startedAt);
          return await leadHoldingRedisLock(seen, owner);
        }
        if (round === 0) metrics.coalescedWaiters.inc({ layer: "cross_process_waiting" });
        const event = await waiter.next(deps.followerWaitMs);
        const settled = settledByOthers(seen, await findTokenAccount(db, seen.id));
        if (settled) {
          observeLockWait("follower", startedAt);
          return await settle(settled);
        }
        if (event && event.kind !== "refreshed") {
          // The leader failed on the same tokens we hold; its failure is ours.
          return await settle({
            kind: "refused",
            error: refreshFailureError(seen, event.errorCode, verdictOf(event)),
          });
        }
        // No word and no change: the leader died or is slow; its lock expires and we try again.
      }
      throw unavailable(`refresh of connected account ${seen.id} did not complete in time; retry later`);
    } finally {
      waiter.close();
    }
  }

  async function leadHoldingRedisLock(seen: TokenAccount, owner: string): Promise<RefreshResult> {
    try {
      // Re-read under the lock: a leader that finished just before we got the lock already refreshed.
      const current = await findTokenAccount(db, seen.id);
      const settled = settledByOthers(seen, current);
      if (settled) return await settle(settled);
      const outcome = await leaders.lead(() =>
        refreshAsLeader(deps, db, current!, async (call) => {
          const stop = keepRefreshLockAlive(lock, seen.id, owner, (reason) =>
            logger.warn(
              { accountId: seen.id, reason },
              "lost the refresh lock during the provider call; the fenced write decides",
            ),
          );
          try {
            return await call();
          } finally {
            stop();
          }
        }),
      );
      return await settle(outcome);
    } finally {
      lock
        .release(seen.id, owner)
        .catch((error: unknown) =>
          logger.warn(
            { accountId: seen.id, err: { message: String(error) } },
            "could not release refresh lock; it expires on its own",
          ),
        );
    }
  }

  async function refreshUnderAdvisoryLock(seen: TokenAccount, startedAt: number): Promise<RefreshResult> {
    let outcome: CoordinatorOutcome;
    try {
      // The transaction holds the lock across the provider call; followers
      // block on it and then find the new version when they re-read. The
      // answer is durable only at commit, so the whole transaction is the
      // leader's critical section for shutdown.
      outcome = await leaders.lead(() =>
        db.transaction().execute(async (trx) => {
          await sql`select set_config('lock_timeout', ${`${deps.followerWaitMs}ms`}, true)`.execute(trx);
          await withSpan("token.refresh.lock", { attributes: { "warden.lock": "postgres" } }, () =>
            sql`select pg_advisory_xact_lock(hashtextextended(${`${deps.namespace}:token-refresh:${seen.id}`}, 0))`.execute(
              trx,
            ),
          );
          const current = await findTokenAccount(trx, seen.id);
          const settled = settledByOthers(seen, current);
          observeLockWait(settled ? "follower" : "leader", startedAt);
          return settled ?? (await refreshAsLeader(deps, trx, current!));
        }),
      );
    } catch (error) {
      if ((error as { code?: unknown }).code === LOCK_NOT_AVAILABLE) {
        throw unavailable(`refresh of connected account ${seen.id} did not complete in time; retry later`);
      }
      throw error;
    }
    return settle(outcome);
  }

  /** Applies what must follow the commit (events, caches) and answers the caller. */
  async function settle(outcome: CoordinatorOutcome): Promise<RefreshResult> {
    switch (outcome.kind) {
      case "refreshed":
        // Its `refreshed` event was committed with the tokens (outbox).
        // After the commit in both paths, so this is the whole crash window.
        metrics.answerToWrite.observe((performance.now() - outcome.answeredAt) / 1000);
        deps.onRefreshed?.(outcome.account);
        return { account: outcome.account, refreshed: true };
      case "settled":
        metrics.coalescedWaiters.inc({ layer: "cross_process" });
        return { account: outcome.account, refreshed: true };
      case "superseded":
      case "preempted": {
        if (outcome.kind === "superseded") {
          metrics.fencedWritesRejected.inc();
          logger.info(
            { accountId: outcome.accountId },
            "refresh result discarded: a newer token was stored first",
          );
        }
        if (!outcome.latest) throw notFound("connected account", outcome.accountId);
        const unusable = unusableAccountError(outcome.latest);
        if (unusable) throw unusable;
        return { account: outcome.latest, refreshed: true };
      }
      case "account_failed": {
        const { account, statusReason } = outcome;
        await cacheAccountFailure(
          redis,
          { accountId: account.id, code: statusReason, tokenVersion: account.token_version },
          deps.accountFailureTtlMs,
        ).catch(() =>
          logger.warn(
            { accountId: account.id },
            "could not cache terminal failure; the account status still holds it",
          ),
        );
        // Its `needs_reconnect` event was committed with the status change (outbox).
        throw tokenFailure(account, "NEEDS_RECONNECT", statusReason);
      }
      case "app_failed": {
        const { account, errorCode } = outcome;
        await cacheAppFailure(redis, account.auth_config_id, errorCode, deps.appFailureTtlMs).catch(() =>
          logger.warn({ authConfigId: account.auth_config_id }, "could not cache app-level failure"),
        );
        events.publish("refresh_failed", account, errorCode);
        throw tokenFailure(account, "APP_MISCONFIGURED", errorCode);
      }
      case "transient":
        events.publish("refresh_failed", outcome.account, outcome.errorCode);
        throw refreshFailureError(outcome.account, outcome.errorCode, "transient");
      case "refused":
        throw outcome.error;
    }
  }

  function observeLockWait(role: "leader" | "follower", startedAt: number): void {
    metrics.lockWait.observe({ role }, (performance.now() - startedAt) / 1000);
  }

  return {
    refresh(seen) {
      const joined = flights.get(seen.id);
      if (joined) {
        metrics.coalescedWaiters.inc({ layer: "in_process" });
        return joined;
      }
      const startedAt = performance.now();
      const flight = run(seen, startedAt).then(
        (result) => {
          metrics.refreshDuration.observe({ outcome: "refreshed" }, (performance.now() - startedAt) / 1000);
          return result;
        },
        (error: unknown) => {
          metrics.refreshDuration.observe({ outcome: "failed" }, (performance.now() - startedAt) / 1000);
          throw error;
        },
      );
      const tracked = flight.finally(() => flights.delete(seen.id));
      flights.set(seen.id, tracked);
      return tracked;
    },
    inFlight: () => flights.size,
    drain: (timeoutMs) => leaders.close(timeoutMs),
  };
}

/**
 * Decides from a fresh read whether someone else already settled this refresh:
 * a newer token_version (refresh or reconnect), or an account that can no
 * longer refresh. Undefined means "still ours to do".
 */
function settledByOthers(
  seen: TokenAccount,
  current: TokenAccount | undefined,
): CoordinatorOutcome | undefined {
  if (!current) return { kind: "refused", error: notFound("connected account", seen.id) };
  const unusable = unusableAccountError(current);
  if (unusable) return { kind: "refused", error: unusable };
  if (current.token_version !== seen.token_version) return { kind: "settled", account: current };
  return undefined;
}
