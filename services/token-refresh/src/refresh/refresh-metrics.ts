import { Counter, Histogram, type Registry } from "prom-client";

/** Counters and timings that show whether coalescing, failure caching and crash safety work in production. */
export interface RefreshMetrics {
  /** Provider refresh calls by outcome: refreshed | account_terminal | app_terminal | transient. */
  providerCalls: Counter<"outcome">;
  /** Callers that joined someone else's refresh instead of calling the provider. */
  coalescedWaiters: Counter<"layer">;
  /** Refreshes coordinated by the PostgreSQL advisory lock because Redis was unreachable. */
  lockFallbacks: Counter;
  /** Calls answered from a cached terminal failure without a provider call. */
  cachedFailureShortCircuits: Counter<"scope">;
  /** Leader writes refused by the token_version fence (someone wrote newer tokens). */
  fencedWritesRejected: Counter;
  /** Leaders that found an earlier attempt on the same refresh token never answered (a process died mid-call). */
  unresolvedAttempts: Counter;
  /** Accounts marked NEEDS_RECONNECT with rotation_lost. */
  rotationsLost: Counter;
  /** DESIGN §8: one coordinated refresh, from the first caller's arrival to its answer, by outcome. */
  refreshDuration: Histogram<"outcome">;
  /** DESIGN §8: how long a refresh waited for the right to lead or for another leader's answer, by role. */
  lockWait: Histogram<"role">;
  /** From the provider's answer to its durable write: the window in which a crash loses a rotation. */
  answerToWrite: Histogram;
}

// From a cached token path's few ms to a slow provider's timeout.
const REFRESH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
// One sealed UPDATE: sub-millisecond when the pool is idle.
const WINDOW_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

/** Registers the refresh counters on `registry` (or on none, for tests that do not scrape). */
export function createRefreshMetrics(registry?: Registry): RefreshMetrics {
  const registers = registry ? [registry] : [];
  return {
    providerCalls: new Counter({
      name: "warden_token_refresh_provider_calls_total",
      help: "Provider refresh_token calls by outcome",
      labelNames: ["outcome"],
      registers,
    }),
    coalescedWaiters: new Counter({
      name: "warden_token_refresh_coalesced_waiters_total",
      help: "Callers served by another caller's refresh (in_process or cross_process)",
      labelNames: ["layer"],
      registers,
    }),
    lockFallbacks: new Counter({
      name: "warden_token_refresh_lock_fallbacks_total",
      help: "Refreshes coordinated by the PostgreSQL advisory lock because Redis was unreachable",
      registers,
    }),
    cachedFailureShortCircuits: new Counter({
      name: "warden_token_refresh_cached_failure_short_circuits_total",
      help: "Calls answered from a cached terminal failure (account or app) without a provider call",
      labelNames: ["scope"],
      registers,
    }),
    fencedWritesRejected: new Counter({
      name: "warden_token_refresh_fenced_writes_rejected_total",
      help: "Refresh results discarded because a newer token_version was already stored",
      registers,
    }),
    unresolvedAttempts: new Counter({
      name: "warden_token_refresh_unresolved_attempts_total",
      help: "Refreshes that found an earlier provider call on the same refresh token whose answer was never stored",
      registers,
    }),
    rotationsLost: new Counter({
      name: "warden_token_refresh_rotations_lost_total",
      help: "Accounts marked NEEDS_RECONNECT with rotation_lost: a rotated refresh token died with its process",
      registers,
    }),
    refreshDuration: new Histogram({
      name: "warden_token_refresh_duration_seconds",
      help: "Duration of one coordinated refresh (led or joined), by outcome: refreshed | failed",
      labelNames: ["outcome"],
      buckets: REFRESH_BUCKETS,
      registers,
    }),
    lockWait: new Histogram({
      name: "warden_token_refresh_lock_wait_seconds",
      help: "Time a refresh waited before leading (role=leader) or before another leader settled it (role=follower)",
      labelNames: ["role"],
      buckets: REFRESH_BUCKETS,
      registers,
    }),
    answerToWrite: new Histogram({
      name: "warden_token_refresh_answer_write_seconds",
      help: "From the provider's refresh answer to its durable write (the window a crash loses a rotation in)",
      buckets: WINDOW_BUCKETS,
      registers,
    }),
  };
}
