// The Grafana dashboard and the PrometheusRule in deploy/k8s/components/monitoring
// reference only metrics that the services really register: each service's
// registry is built here, in process, the way its main.ts builds it.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { createLogger } from "@warden/logger";
import { registerOutboxMetrics } from "@warden/outbox";
import { createMetricsRegistry } from "@warden/probes";
import { observeRpcInterceptor } from "@warden/rpc";
import { describe, expect, it } from "vitest";
import { createRevokeMetrics } from "../../revoke-executor/src/revoke-metrics.js";
import {
  registerRevokeStateMetrics,
  type RevokeStateMetricsDeps,
} from "../../revoke-executor/src/revoke-state-metrics.js";
import { registerTaskLagMetric } from "../../sweeper/src/scheduler/task-lag-metric.js";
import { createTaskMetrics } from "../../sweeper/src/scheduler/task-metrics.js";
import { createRefreshMetrics } from "../../token-refresh/src/refresh/refresh-metrics.js";

const MONITORING = fileURLToPath(new URL("../../../deploy/k8s/components/monitoring/", import.meta.url));

/** Every metric name the four services register, from registries built as their main.ts builds them. */
function registeredNames(): Set<string> {
  const logger = createLogger({ service: "test", level: "silent" });
  // Only the names matter here: nothing is scraped, so the collectors never query these.
  const unused = {} as RevokeStateMetricsDeps;
  const registries = [
    (() => {
      const registry = createMetricsRegistry("jobs-gateway");
      observeRpcInterceptor({ logger, registry });
      registerOutboxMetrics(registry, unused.db);
      return registry;
    })(),
    (() => {
      const registry = createMetricsRegistry("revoke-executor");
      createRevokeMetrics(registry);
      registerRevokeStateMetrics(registry, unused);
      registerOutboxMetrics(registry, unused.db);
      return registry;
    })(),
    (() => {
      const registry = createMetricsRegistry("token-refresh");
      observeRpcInterceptor({ logger, registry });
      createRefreshMetrics(registry);
      return registry;
    })(),
    (() => {
      const registry = createMetricsRegistry("sweeper");
      observeRpcInterceptor({ logger, registry });
      createTaskMetrics(registry);
      registerTaskLagMetric(registry, unused.db);
      return registry;
    })(),
  ];
  return new Set(registries.flatMap((registry) => registry.getMetricsAsArray().map((metric) => metric.name)));
}

/** The warden_* series names an asset's queries mention, histogram suffixes removed. */
function referencedNames(text: string): Set<string> {
  return new Set(
    [...text.matchAll(/\bwarden_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, "")),
  );
}

describe("monitoring assets", () => {
  it("the dashboard and the alert rules reference only metrics the services register", async () => {
    const registered = registeredNames();
    const dashboard = await readFile(`${MONITORING}warden-dashboard.json`, "utf8");
    const rules = await readFile(`${MONITORING}prometheusrule.yaml`, "utf8");
    const referenced = new Set([...referencedNames(dashboard), ...referencedNames(rules)]);
    expect(referenced.size).toBeGreaterThan(10);
    const missing = [...referenced].filter((name) => !registered.has(name));
    expect(missing).toEqual([]);
    // Every name DESIGN §8 fixes is on the dashboard.
    for (const name of [
      "warden_revoke_items_total",
      "warden_revoke_provider_request_seconds",
      "warden_revoke_in_flight",
      "warden_revoke_redeliveries_total",
      "warden_outbox_pending",
      "warden_outbox_lag_seconds",
      "warden_token_refresh_duration_seconds",
      "warden_token_refresh_lock_wait_seconds",
    ])
      expect(referencedNames(dashboard)).toContain(name);
  });

  it("has a panel query for every panel and the four alerts operators asked for", async () => {
    const dashboard = JSON.parse(await readFile(`${MONITORING}warden-dashboard.json`, "utf8")) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    for (const panel of dashboard.panels) expect(panel.targets.length, panel.title).toBeGreaterThan(0);
    const rules = await readFile(`${MONITORING}prometheusrule.yaml`, "utf8");
    for (const alert of [
      "WardenRevokeJobStuck",
      "WardenRevokeProviderErrorRate",
      "WardenOutboxLag",
      "WardenTokenRefreshFailures",
    ])
      expect(rules).toContain(`alert: ${alert}`);
    const kustomization = await readFile(`${MONITORING}kustomization.yaml`, "utf8");
    for (const file of ["servicemonitor.yaml", "prometheusrule.yaml", "warden-dashboard.json"])
      expect(kustomization).toContain(file);
  });
});
