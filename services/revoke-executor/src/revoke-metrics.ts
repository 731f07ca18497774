// The revoke executor's Prometheus metrics (names fixed by DESIGN §8). Items
// are the hot path: each auth config's label children are bound once and kept,
// so recording an item is a Map lookup and an add, with no label object built
// per item.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** How an item's ledger write ended. */
export type ItemOutcome = "revoked" | "failed" | "skipped" | "retried";

/** How a provider call ended: its answer, or `error` when it threw. */
export type ProviderOutcome = "revoked" | "failed" | "retry" | "error";

/** The metrics of one auth config, bound once. */
export interface AuthConfigRevokeMetrics {
  /** One ledger write that changed an item. */
  itemWritten(outcome: ItemOutcome): void;
  /** A provider call starts; returns its start time for providerCallEnded. */
  providerCallStarted(): number;
  providerCallEnded(startedAt: number, outcome: ProviderOutcome): void;
}

/** Everything the executor records. */
export interface RevokeMetrics {
  forAuthConfig(authConfigId: string): AuthConfigRevokeMetrics;
  /** A delivery with delivery count > 1 arrived. */
  redelivered(): void;
  /** Items the planner expanded and published. */
  itemsPlanned(count: number): void;
}

/** Metric names, for dashboards, alerts and the test that keeps them honest. */
export const REVOKE_METRIC_NAMES = {
  items: "warden_revoke_items_total",
  providerRequestSeconds: "warden_revoke_provider_request_seconds",
  inFlight: "warden_revoke_in_flight",
  redeliveries: "warden_revoke_redeliveries_total",
  plannedItems: "warden_revoke_planned_items_total",
} as const;

const ITEM_OUTCOMES: readonly ItemOutcome[] = ["revoked", "failed", "skipped", "retried"];
const PROVIDER_OUTCOMES: readonly ProviderOutcome[] = ["revoked", "failed", "retry", "error"];

/** Records nothing: for tests and the benchmark's baseline. */
export const NO_REVOKE_METRICS: RevokeMetrics = (() => {
  const none: AuthConfigRevokeMetrics = {
    itemWritten: () => undefined,
    providerCallStarted: () => 0,
    providerCallEnded: () => undefined,
  };
  return { forAuthConfig: () => none, redelivered: () => undefined, itemsPlanned: () => undefined };
})();

/**
 * Registers the executor's metrics in `registry` and returns the recorder;
 * a second call on the same registry reuses the registered metrics (tests run
 * several executors in one process).
 */
export function createRevokeMetrics(registry: Registry): RevokeMetrics {
  const items = reuse(
    registry,
    REVOKE_METRIC_NAMES.items,
    () =>
      new Counter({
        name: REVOKE_METRIC_NAMES.items,
        help: "Revoke items written to the ledger, by outcome (revoked, failed, skipped: final; retried: retry scheduled) and auth config.",
        labelNames: ["outcome", "auth_config"],
        registers: [registry],
      }),
  );
  const requestSeconds = reuse(
    registry,
    REVOKE_METRIC_NAMES.providerRequestSeconds,
    () =>
      new Histogram({
        name: REVOKE_METRIC_NAMES.providerRequestSeconds,
        help: "Duration of revocation calls to providers, by auth config and outcome.",
        labelNames: ["auth_config", "outcome"],
        buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers: [registry],
      }),
  );
  const inFlight = reuse(
    registry,
    REVOKE_METRIC_NAMES.inFlight,
    () =>
      new Gauge({
        name: REVOKE_METRIC_NAMES.inFlight,
        help: "Revocation calls in flight in this executor, by auth config.",
        labelNames: ["auth_config"],
        registers: [registry],
      }),
  );
  const redeliveries = reuse(
    registry,
    REVOKE_METRIC_NAMES.redeliveries,
    () =>
      new Counter({
        name: REVOKE_METRIC_NAMES.redeliveries,
        help: "Revoke item deliveries that were redeliveries (delivery count > 1).",
        registers: [registry],
      }),
  );
  const planned = reuse(
    registry,
    REVOKE_METRIC_NAMES.plannedItems,
    () =>
      new Counter({
        name: REVOKE_METRIC_NAMES.plannedItems,
        help: "Revoke items expanded and published by the planner.",
        registers: [registry],
      }),
  );

  const bound = new Map<string, AuthConfigRevokeMetrics>();
  const bind = (authConfig: string): AuthConfigRevokeMetrics => {
    const itemChildren = Object.fromEntries(
      ITEM_OUTCOMES.map((outcome) => [outcome, items.labels({ outcome, auth_config: authConfig })]),
    ) as Record<ItemOutcome, Counter.Internal>;
    const requestChildren = Object.fromEntries(
      PROVIDER_OUTCOMES.map((outcome) => [
        outcome,
        requestSeconds.labels({ auth_config: authConfig, outcome }),
      ]),
    ) as Record<ProviderOutcome, Histogram.Internal<"auth_config" | "outcome">>;
    const inFlightChild = inFlight.labels({ auth_config: authConfig });
    // Seen at once on the first scrape, so rate() over a fresh series starts from 0, not from its first value.
    inFlightChild.set(0);
    return {
      itemWritten: (outcome) => itemChildren[outcome].inc(),
      providerCallStarted() {
        inFlightChild.inc();
        return performance.now();
      },
      providerCallEnded(startedAt, outcome) {
        inFlightChild.dec();
        requestChildren[outcome].observe((performance.now() - startedAt) / 1000);
      },
    };
  };
  return {
    forAuthConfig(authConfigId) {
      let metrics = bound.get(authConfigId);
      if (metrics === undefined) bound.set(authConfigId, (metrics = bind(authConfigId)));
      return metrics;
    },
    redelivered: () => redeliveries.inc(),
    itemsPlanned: (count) => planned.inc(count),
  };
}

// Registering a name twice throws; executors sharing a registry share its metrics.
function reuse<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}
