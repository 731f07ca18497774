// Test support (not a test): tracing into memory, so a test can assert on the spans a flow produced.
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { startTelemetry, type Telemetry } from "./start-telemetry.js";

/** Tracing registered globally into an in-memory exporter. */
export interface TestTelemetry extends Telemetry {
  /** Every span finished so far. */
  spans(): ReadableSpan[];
  /** Forgets the spans finished so far. */
  reset(): void;
}

/** Registers a tracer provider that keeps every finished span in memory (always sampled). */
export function startTestTelemetry(service = "test"): TestTelemetry {
  const exporter = new InMemorySpanExporter();
  const telemetry = startTelemetry({
    service,
    env: {},
    processors: [new SimpleSpanProcessor({ exporter })],
  });
  return {
    ...telemetry,
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
  };
}

export type { ReadableSpan };
