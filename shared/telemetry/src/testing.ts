// Test support (not a test): tracing into memory, so a test can assert on the spans a flow produced.
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace";
import { startTelemetry, type StartTelemetryOptions, type Telemetry } from "./start-telemetry.js";

/** Tracing registered globally into memory. */
export interface TestTelemetry extends Telemetry {
  /** Every span finished so far. */
  spans(): ReadableSpan[];
  /** Forgets the spans finished so far. */
  reset(): void;
}

/**
 * Keeps each span as it ends. Not an exporter behind SimpleSpanProcessor: that
 * one runs every export in `context.with`, an active context of its own that a
 * test of the executor's tracing cost would count.
 */
class CollectingSpanProcessor implements SpanProcessor {
  spans: ReadableSpan[] = [];
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

/** Registers a tracer provider that keeps every finished span in memory (always sampled). */
export function startTestTelemetry(
  service = "test",
  options: Pick<StartTelemetryOptions, "activeContext"> = {},
): TestTelemetry {
  const collector = new CollectingSpanProcessor();
  const telemetry = startTelemetry({ service, env: {}, processors: [collector], ...options });
  return {
    ...telemetry,
    spans: () => [...collector.spans],
    reset: () => (collector.spans = []),
  };
}

/**
 * The spans among `items` that a batch span of `batches` (withBatchSpans)
 * stands for: its parent and the items it links. A test checks each item's
 * batched work shows in its trace.
 */
export function itemsUnderBatchSpans(batches: ReadableSpan[], items: ReadableSpan[]): ReadableSpan[] {
  const covered = new Set<string>();
  for (const batch of batches) {
    if (batch.parentSpanContext !== undefined) covered.add(batch.parentSpanContext.spanId);
    for (const link of batch.links) covered.add(link.context.spanId);
  }
  return items.filter((item) => covered.has(item.spanContext().spanId));
}

export type { ReadableSpan };
