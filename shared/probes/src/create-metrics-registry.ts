import { collectDefaultMetrics, Registry } from "prom-client";

/**
 * A fresh (non-global) Prometheus registry with the default Node process
 * metrics, every series labelled `service`, so services sharing a test
 * process never collide.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
