import { Counter, type Registry } from "prom-client";

/** Counters that show whether coalescing and failure caching work in production. */
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
}

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
  };
}
