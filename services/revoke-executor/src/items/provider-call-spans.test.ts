// Which provider calls get a span: every notable one (failed, retried, thrown, slow), and of the
// plain revocations the first N of each job run. Real tracer provider, spans kept in memory.
import { propagation, ROOT_CONTEXT } from "@opentelemetry/api";
import { startTestTelemetry, type TestTelemetry } from "@warden/telemetry/testing";
import { afterEach, describe, expect, it } from "vitest";
import { createProviderCallSpans, SLOW_PROVIDER_CALL_MS, type ProviderCall } from "./provider-call-spans.js";

let telemetry: TestTelemetry | undefined;
afterEach(async () => {
  await telemetry?.shutdown();
  telemetry = undefined;
});

// The planner's trace as an item's headers carry it (extracted once tracing is on, as the executor does).
const planTraceOf = () =>
  propagation.extract(ROOT_CONTEXT, {
    traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
  });
const call = (overrides: Partial<ProviderCall> = {}): ProviderCall => ({
  jobId: "rj_1",
  run: 1,
  accountId: "ca_1",
  authConfigId: "ac_1",
  startedAt: performance.now(),
  outcome: "revoked",
  ...overrides,
});

describe("provider call spans", () => {
  it("traces the first calls of each job run that simply revoked, and every notable call past them", () => {
    telemetry = startTestTelemetry("revoke-executor");
    const spans = createProviderCallSpans({ fullyTracedPerJobRun: 2 });
    const planTrace = planTraceOf();
    const recorded = [
      spans.record(planTrace, call({ accountId: "ca_1" })),
      spans.record(planTrace, call({ accountId: "ca_2" })),
      spans.record(planTrace, call({ accountId: "ca_3" })),
      spans.record(planTrace, call({ accountId: "ca_4", outcome: "failed" })),
      spans.record(planTrace, call({ accountId: "ca_5", outcome: "retry" })),
      spans.record(planTrace, call({ accountId: "ca_6", outcome: "error", error: new TypeError("x") })),
      spans.record(
        planTrace,
        call({ accountId: "ca_7", startedAt: performance.now() - SLOW_PROVIDER_CALL_MS }),
      ),
      // Another run of the same job has a budget of its own.
      spans.record(planTrace, call({ accountId: "ca_8", run: 2 })),
    ];
    expect(recorded.map((spanContext) => spanContext !== undefined)).toEqual([
      true,
      true,
      false,
      true,
      true,
      true,
      true,
      true,
    ]);
    const finished = telemetry.spans();
    expect(finished.map((s) => s.attributes["warden.account_id"])).toEqual([
      "ca_1",
      "ca_2",
      "ca_4",
      "ca_5",
      "ca_6",
      "ca_7",
      "ca_8",
    ]);
    for (const span of finished) {
      expect(span.name).toBe("revoke.provider_call");
      expect(span.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
    }
    const thrown = finished.find((s) => s.attributes["warden.account_id"] === "ca_6");
    expect([
      thrown?.status.code,
      thrown?.attributes["error.type"],
      thrown?.attributes["warden.provider.outcome"],
    ]).toEqual([2, "TypeError", "error"]);
    // The returned span context is the recorded span's: the ledger write's span points at it.
    expect(recorded[0]?.spanId).toBe(finished[0]?.spanContext().spanId);
  });

  it("records and counts nothing with tracing off", () => {
    const spans = createProviderCallSpans({ fullyTracedPerJobRun: 1 });
    // No tracer provider: the item's context holds no span, as the executor's does with tracing off.
    expect(spans.record(ROOT_CONTEXT, call())).toBeUndefined();
    telemetry = startTestTelemetry("revoke-executor");
    // Nothing was counted meanwhile: the run's one plain call still gets its span.
    expect(spans.record(planTraceOf(), call())).toBeDefined();
    expect(telemetry.spans()).toHaveLength(1);
  });
});
