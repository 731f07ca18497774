import { trace } from "@opentelemetry/api";
import { headers } from "nats";
import { RefreshDueSchema } from "@warden/proto/work/v1";
import { startTestTelemetry, type TestTelemetry } from "@warden/telemetry/testing";
import { withSpan } from "@warden/telemetry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Bus } from "./connect-bus.js";
import { ensureStreams } from "./ensure-streams.js";
import { publishWork } from "./publish-work.js";
import { publishWorkBatch } from "./publish-work-batch.js";
import { runConsumer } from "./run-consumer.js";
import { traceContextOfHeaders } from "./trace-headers.js";
import {
  connectTestBus,
  createTestWorkQueue,
  deleteNamespaceStreams,
  randomNamespace,
  waitFor,
} from "./test-bus.js";

const namespace = randomNamespace();
let bus: Bus;
let telemetry: TestTelemetry;

beforeAll(async () => {
  telemetry = startTestTelemetry("bus");
  bus = await connectTestBus("trace-headers.test");
  await ensureStreams(bus.jsm, namespace);
});

afterAll(async () => {
  await deleteNamespaceStreams(bus.jsm, namespace);
  await bus.close();
  await telemetry.shutdown();
});

describe("W3C trace context over NATS headers", () => {
  it("a consumer's delivery carries the trace of the span that published the message, single or batched", async () => {
    const queue = await createTestWorkQueue(bus.jsm, namespace, "traced");
    const seen = new Map<string, string | undefined>();
    const controller = new AbortController();
    const loop = runConsumer({
      js: bus.js,
      stream: queue.stream,
      durable: queue.durable,
      schema: RefreshDueSchema,
      concurrency: 4,
      signal: controller.signal,
      handler: async ({ message, traceContext }) => {
        // Handed over, not activated (see WorkDelivery.traceContext).
        expect(trace.getActiveSpan()).toBeUndefined();
        seen.set(message.accountId, trace.getSpanContext(traceContext)?.traceId);
        return { kind: "ack" };
      },
    });
    const single = await withSpan("publish one", {}, async (span) => {
      await publishWork(bus.js, queue.subject, RefreshDueSchema, { accountId: "ca_1" }, { msgId: "one" });
      return span.spanContext().traceId;
    });
    const batched = await withSpan("publish batch", {}, async (span) => {
      await publishWorkBatch(
        bus.nc,
        ["ca_2", "ca_3"].map((accountId) => ({
          subject: queue.subject,
          schema: RefreshDueSchema,
          message: { accountId },
          msgId: accountId,
        })),
      );
      return span.spanContext().traceId;
    });
    // Published outside any span: the delivery carries no trace at all.
    await publishWork(bus.js, queue.subject, RefreshDueSchema, { accountId: "ca_4" }, { msgId: "four" });
    await waitFor(() => seen.size === 4, 5_000, "four deliveries");
    controller.abort();
    await loop;
    expect(single).not.toBe(batched);
    expect(Object.fromEntries(seen)).toEqual({ ca_1: single, ca_2: batched, ca_3: batched, ca_4: undefined });
  });

  it("extracts a trace once for a run of deliveries carrying the same trace headers, and afresh when they change", async () => {
    const carrying = (traceparent: string, tracestate?: string) => {
      const h = headers();
      h.set("Nats-Msg-Id", String(Math.random()));
      h.set("traceparent", traceparent);
      if (tracestate !== undefined) h.set("tracestate", tracestate);
      return h;
    };
    const a = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const b = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const first = traceContextOfHeaders(carrying(a));
    // The same trace headers on another message: the very same (immutable) context.
    expect(traceContextOfHeaders(carrying(a))).toBe(first);
    expect(trace.getSpanContext(first)).toMatchObject({
      traceId: a.slice(3, 35),
      spanId: "00f067aa0ba902b7",
    });
    const other = traceContextOfHeaders(carrying(b));
    expect(trace.getSpanContext(other)?.spanId).toBe("b7ad6b7169203331");
    const withState = traceContextOfHeaders(carrying(b, "vendor=1"));
    expect(withState).not.toBe(other);
    expect(trace.getSpanContext(withState)?.traceState?.get("vendor")).toBe("1");
    expect(trace.getSpanContext(traceContextOfHeaders(carrying(a)))?.spanId).toBe("00f067aa0ba902b7");

    // Tracing started again: nothing extracted under the earlier registration is handed out.
    await telemetry.shutdown();
    telemetry = startTestTelemetry("bus");
    expect(traceContextOfHeaders(carrying(a))).not.toBe(first);
  });
});
