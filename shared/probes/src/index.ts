export type { ProbeLogger, ProbeServer, ProbeServerOptions } from "./start-probe-server.js";
export { startProbeServer } from "./start-probe-server.js";
export type { CheckOutcome, ReadinessCheck, ReadinessReport } from "./run-readiness-checks.js";
export { runReadinessChecks } from "./run-readiness-checks.js";
export { createMetricsRegistry } from "./create-metrics-registry.js";
