import { context, INVALID_SPAN_CONTEXT, propagation, trace, type SpanContext } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { startTelemetry } from "./start-telemetry.js";
import { itemsUnderBatchSpans, startTestTelemetry, type TestTelemetry } from "./testing.js";
import { recordEndedSpan, withBatchSpans, withSpan, withSpanIn } from "./with-span.js";

let telemetry: TestTelemetry | undefined;

afterEach(async () => {
  await telemetry?.shutdown();
  telemetry = undefined;
});

describe("startTelemetry", () => {
  it("registers nothing when no exporter is configured", async () => {
    const off = startTelemetry({ service: "svc", env: {} });
    expect(off.enabled).toBe(false);
    await withSpan("noop", {}, async (span) => expect(span.isRecording()).toBe(false));
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    expect(carrier).toEqual({});
  });

  it("records nested spans in one trace and propagates W3C trace context", async () => {
    telemetry = startTestTelemetry("svc");
    const carrier: Record<string, string> = {};
    await withSpan("outer", { attributes: { "warden.job_id": "pj_1" } }, async () => {
      await withSpan("inner", {}, async () => propagation.inject(context.active(), carrier));
    });
    const [inner, outer] = telemetry.spans();
    expect(outer?.name).toBe("outer");
    expect(inner?.parentSpanContext?.spanId).toBe(outer!.spanContext().spanId);
    expect(outer?.resource.attributes["service.name"]).toBe("svc");
    expect(carrier.traceparent).toMatch(new RegExp(`^00-${outer!.spanContext().traceId}-`));

    const remote = propagation.extract(context.active(), carrier);
    await withSpan("remote child", { parent: remote }, async () => undefined);
    expect(telemetry.spans()[2]?.spanContext().traceId).toBe(outer!.spanContext().traceId);
  });

  it("withSpanIn records a child of a sampled parent, and under an unsampled one records nothing and passes the parent on", async () => {
    telemetry = startTestTelemetry("svc");
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const parent = (flags: string) =>
      propagation.extract(context.active(), { traceparent: `00-${traceId}-00f067aa0ba902b7-${flags}` });

    const unsampled = parent("00");
    await withSpanIn(unsampled, "skipped", {}, async (span, handed) => {
      expect(span.isRecording()).toBe(false);
      expect(handed).toBe(unsampled);
    });
    await withSpanIn(parent("01"), "kept", {}, async (span, handed) => {
      expect(span.isRecording()).toBe(true);
      expect(trace.getSpan(handed)).toBe(span);
    });
    expect(telemetry.spans().map((s) => [s.name, s.spanContext().traceId])).toEqual([["kept", traceId]]);
  });

  it("recordEndedSpan records a span that already happened, child of a sampled parent, and nothing under an unsampled one", async () => {
    telemetry = startTestTelemetry("svc");
    const parent = (flags: string) =>
      propagation.extract(context.active(), {
        traceparent: `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-${flags}`,
      });
    const startedAt = performance.now() - 250;
    expect(recordEndedSpan(parent("00"), "skipped", { startedAt })).toBeUndefined();
    const kept = recordEndedSpan(parent("01"), "call", { startedAt, attributes: { "warden.x": "1" } });
    const secret = Object.assign(new Error("token xoxb-secret refused"), { code: "ECONNRESET" });
    recordEndedSpan(parent("01"), "failed call", { startedAt, error: secret });
    const [call, failed] = telemetry.spans();
    expect([call?.name, call?.spanContext().spanId, call?.parentSpanContext?.spanId, call?.ended]).toEqual([
      "call",
      kept?.spanId,
      "00f067aa0ba902b7",
      true,
    ]);
    // It spans the work it stands for, not the instant it was recorded.
    expect(call!.duration[0] * 1e3 + call!.duration[1] / 1e6).toBeGreaterThanOrEqual(249);
    expect([failed?.status.code, failed?.attributes["error.type"]]).toEqual([2, "ECONNRESET"]);
    expect(JSON.stringify(failed?.attributes)).not.toContain("xoxb-secret");
  });

  it("withBatchSpans records one span per trace of a batch, child of its first item and linking the rest", async () => {
    telemetry = startTestTelemetry("svc");
    const itemsIn = async (trace: string, count: number) => {
      const items: SpanContext[] = [];
      for (let i = 0; i < count; i++)
        await withSpan(`${trace}-${i}`, {}, async (span) => items.push(span.spanContext()));
      return items;
    };
    // Items of two traces (two jobs) interleaved in one batch, and one without any span.
    const [a0, a1, a2] = await withSpan("job a", {}, () => itemsIn("a", 3));
    const [b0] = await withSpan("job b", {}, () => itemsIn("b", 1));
    const itemSpans = telemetry.spans().filter((s) => /^[ab]-/.test(s.name));
    telemetry.reset();

    // a1 twice (two items under one span): counted twice, linked once.
    const result = await withBatchSpans(
      "write",
      [a0, b0, a1, undefined, a2, a1, b0],
      {},
      async () => "committed",
    );
    expect(result).toBe("committed");
    const writes = telemetry.spans();
    expect(writes.map((s) => [s.name, s.attributes["warden.batch.items"], s.links.length])).toEqual([
      ["write", 4, 2],
      ["write", 2, 0],
    ]);
    const parentName = (span: (typeof writes)[number]) =>
      itemSpans.find((item) => item.spanContext().spanId === span.parentSpanContext?.spanId)?.name;
    expect(writes.map(parentName)).toEqual(["a-0", "b-0"]);
    expect(itemsUnderBatchSpans(writes, itemSpans)).toHaveLength(4);

    telemetry.reset();
    await expect(
      withBatchSpans("write", [a0], {}, () => Promise.reject(new TypeError("x"))),
    ).rejects.toThrow();
    expect(telemetry.spans().map((s) => [s.status.code, s.attributes["error.type"]])).toEqual([
      [2, "TypeError"],
    ]);

    telemetry.reset();
    expect(await withBatchSpans("write", [undefined, INVALID_SPAN_CONTEXT], {}, async () => 1)).toBe(1);
    expect(telemetry.spans()).toEqual([]);
  });

  it("marks a failed span with the error type and never its message", async () => {
    telemetry = startTestTelemetry();
    const secret = Object.assign(new Error("token xoxb-secret refused"), { code: "ECONNRESET" });
    await expect(withSpan("fails", {}, () => Promise.reject(secret))).rejects.toBe(secret);
    const [span] = telemetry.spans();
    expect(span?.status.code).toBe(2);
    expect(span?.attributes["error.type"]).toBe("ECONNRESET");
    expect(JSON.stringify({ ...span?.attributes, events: span?.events })).not.toContain("xoxb-secret");

    // A function that throws before returning its promise: a rejection all the same, and the span ends failed.
    const sampled = propagation.extract(context.active(), {
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    });
    const thrown = withSpanIn(sampled, "throws", {}, () => {
      throw secret;
    });
    await expect(thrown).rejects.toBe(secret);
    const failed = telemetry.spans().find((s) => s.name === "throws");
    expect([failed?.status.code, failed?.attributes["error.type"], failed?.ended]).toEqual([
      2,
      "ECONNRESET",
      true,
    ]);
  });

  it("unregisters on shutdown", async () => {
    const started = startTestTelemetry();
    await started.shutdown();
    await withSpan("after", {}, async (span) => expect(span.isRecording()).toBe(false));
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});
