// The executor carries trace context by hand (withSpanIn, WorkDelivery.traceContext):
// on Node 20 the first active context switches AsyncLocalStorage's promise hooks on
// for the whole process, which cost about 17 % of the revoke rate with tracing on
// (bench:revoke:observability). This holds the executor to that, and checks the
// hand-carried contexts still make one trace per job.
import { AsyncLocalStorage } from "node:async_hooks";
import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import {
  itemsUnderBatchSpans,
  startTestTelemetry,
  type ReadableSpan,
  type TestTelemetry,
} from "@warden/telemetry/testing";
import { waitFor } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { seedProject, startProjectJob, waitForJobStatus } from "./test-fixtures.js";
import { openTestStack, startTestExecutor, type TestExecutor, type TestStack } from "./test-stack.js";

const ACCOUNTS = 50;
let telemetry: TestTelemetry;
let stack: TestStack;
let provider: MockProvider;
let executor: TestExecutor;

beforeAll(async () => {
  // With the AsyncLocalStorage context manager registered (main.ts leaves it out), so that
  // any activation is seen, and a span collector that activates nothing itself.
  telemetry = startTestTelemetry("revoke-executor");
  stack = await openTestStack("rexec_trace");
  provider = await startMockProvider({ seed: 5 });
  executor = await startTestExecutor(stack);
});

afterAll(async () => {
  await executor?.stop();
  await provider?.close();
  await stack?.close();
  await telemetry?.shutdown();
  vi.restoreAllMocks();
});

describe("revoke executor tracing cost", () => {
  it("traces plan, items, provider calls and ledger writes without ever activating a context", async () => {
    const { db } = stack.database;
    const project = await seedProject(db, stack.keyring, {
      accounts: ACCOUNTS,
      revokeUrl: provider.revokeUrl,
    });
    const activations = [
      vi.spyOn(AsyncLocalStorage.prototype, "run"),
      vi.spyOn(AsyncLocalStorage.prototype, "enterWith"),
    ];
    telemetry.reset();
    const jobId = await startProjectJob(db, stack.bus, stack.namespace, project);
    await waitForJobStatus(db, jobId, "completed", 60_000);
    const named = (name: string) => telemetry.spans().filter((s) => s.name === name);
    await waitFor(() => named("revoke.provider_call").length === ACCOUNTS, {
      message: "every provider call's span to end",
    });

    for (const spy of activations) expect(spy).not.toHaveBeenCalled();

    const [plan] = named("revoke.plan");
    expect(plan?.attributes["warden.job_id"]).toBe(jobId);
    const traceId = plan!.spanContext().traceId;
    const parentId = (span: ReadableSpan) => span.parentSpanContext?.spanId;
    // An item's one span is its provider call, a child of the plan's through the message headers.
    expect(named("revoke.item")).toHaveLength(0);
    const calls = named("revoke.provider_call");
    expect(calls).toHaveLength(ACCOUNTS);
    expect(new Set(calls.map((s) => s.attributes["warden.account_id"])).size).toBe(ACCOUNTS);
    for (const call of calls) {
      expect(call.spanContext().traceId).toBe(traceId);
      expect(parentId(call)).toBe(plan!.spanContext().spanId);
    }
    const callIds = new Set(calls.map((s) => s.spanContext().spanId));
    // One span per ledger transaction, not per item: child of one of its items' calls, linking the others.
    const writes = named("revoke.ledger_write");
    expect(writes.length).toBeGreaterThan(0);
    for (const span of writes) expect(callIds.has(parentId(span)!)).toBe(true);
    expect(writes.reduce((sum, s) => sum + Number(s.attributes["warden.batch.items"]), 0)).toBe(ACCOUNTS);
    expect(itemsUnderBatchSpans(writes, calls)).toHaveLength(ACCOUNTS);
  });
});
