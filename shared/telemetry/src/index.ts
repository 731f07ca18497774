export type { TraceExporterKind, TraceSampling, TelemetryConfig } from "./telemetry-config.js";
export { loadTelemetryConfig } from "./telemetry-config.js";
export type { StartTelemetryOptions, Telemetry } from "./start-telemetry.js";
export { startTelemetry } from "./start-telemetry.js";
export type { SpanOptions } from "./with-span.js";
export { recordEndedSpan, withBatchSpans, withSpan, withSpanIn } from "./with-span.js";
