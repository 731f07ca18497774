import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { waitFor } from "@warden/testkit";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REVOKE_METRIC_NAMES } from "./revoke-metrics.js";
import { REVOKE_STATE_METRIC_NAMES } from "./revoke-state-metrics.js";
import { ledgerCounts, seedProject, startProjectJob, waitForJobStatus } from "./test-fixtures.js";
import { openTestStack, startTestExecutor, type TestExecutor, type TestStack } from "./test-stack.js";

let stack: TestStack;
let flaky: MockProvider;
let refusing: MockProvider;
let slow: MockProvider;
let executor: TestExecutor;
const registry = new Registry();

beforeAll(async () => {
  stack = await openTestStack("rmetrics");
  // One provider in ten answers 503 (retried), one refuses every call (failed), one is slow (in flight).
  flaky = await startMockProvider({ seed: 11, rate5xx: 0.1, faultEndpoints: ["revoke"] });
  refusing = await startMockProvider({
    forceError: { revoke: { status: 400, error: "unsupported_token_type" } },
  });
  slow = await startMockProvider({ latencyMs: 300, faultEndpoints: ["revoke"] });
  executor = await startTestExecutor(
    stack,
    { retryBaseMs: 20, retryMaxMs: 100, maxAttempts: 20, perAuthConfigLimit: 4 },
    { registry },
  );
});

afterAll(async () => {
  await executor?.stop();
  await Promise.all([flaky?.close(), refusing?.close(), slow?.close()]);
  await stack?.close();
});

/** `name{labels} value` lines of the registry's exposition, as [labels, value]. */
async function samples(name: string): Promise<Array<[Record<string, string>, number]>> {
  const text = await registry.metrics();
  const found: Array<[Record<string, string>, number]> = [];
  for (const line of text.split("\n")) {
    const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const labels = Object.fromEntries(
      [...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    found.push([labels, Number(match[3])]);
  }
  return found;
}

async function sample(name: string, want: Record<string, string>): Promise<number> {
  const rows = await samples(name);
  return rows
    .filter(([labels]) => Object.entries(want).every(([k, v]) => labels[k] === v))
    .reduce((sum, [, value]) => sum + value, 0);
}

describe("revoke executor metrics", { timeout: 120_000 }, () => {
  it("count items by outcome and auth config exactly as the ledger does, with latency per auth config and redeliveries", async () => {
    const { db } = stack.database;
    const a = await seedProject(db, stack.keyring, { accounts: 400, revokeUrl: flaky.revokeUrl });
    const b = await seedProject(db, stack.keyring, { accounts: 40, revokeUrl: refusing.revokeUrl });
    const c = await seedProject(db, stack.keyring, { accounts: 10, revokeUrl: null });
    const jobs = await Promise.all([a, b, c].map((p) => startProjectJob(db, stack.bus, stack.namespace, p)));
    await Promise.all(jobs.map((jobId) => waitForJobStatus(db, jobId, "completed")));

    const ledgers = await Promise.all(jobs.map((jobId) => ledgerCounts(db, jobId)));
    const items = REVOKE_METRIC_NAMES.items;
    for (const [project, ledger] of [a, b, c].map((p, i) => [p, ledgers[i]!] as const)) {
      for (const outcome of ["revoked", "failed", "skipped"])
        expect(await sample(items, { outcome, auth_config: project.authConfigId })).toBe(
          ledger[outcome] ?? 0,
        );
    }
    expect(ledgers[0]!.revoked).toBe(400);
    expect(ledgers[1]!.failed).toBe(40);
    expect(ledgers[2]!.skipped).toBe(10);

    // Every 503 was a retry: counted as such, and its redelivery counted as a running total.
    const retried = await sample(items, { outcome: "retried", auth_config: a.authConfigId });
    expect(retried).toBeGreaterThan(0);
    expect(await sample(REVOKE_METRIC_NAMES.redeliveries, {})).toBeGreaterThanOrEqual(retried);

    const latency = `${REVOKE_METRIC_NAMES.providerRequestSeconds}_count`;
    expect(await sample(latency, { auth_config: a.authConfigId, outcome: "revoked" })).toBe(400);
    expect(await sample(latency, { auth_config: a.authConfigId, outcome: "retry" })).toBe(retried);
    expect(await sample(latency, { auth_config: b.authConfigId, outcome: "failed" })).toBe(40);
    expect(await sample(latency, { auth_config: c.authConfigId })).toBe(0);
    expect(await sample(REVOKE_METRIC_NAMES.inFlight, {})).toBe(0);
    expect(await sample(REVOKE_METRIC_NAMES.plannedItems, {})).toBe(450);
    expect(await sample(REVOKE_STATE_METRIC_NAMES.jobs, { status: "completed" })).toBe(3);
  });

  it("show a running job's consumer backlog and its calls in flight while it runs", async () => {
    const { db } = stack.database;
    const project = await seedProject(db, stack.keyring, { accounts: 60, revokeUrl: slow.revokeUrl });
    const jobId = await startProjectJob(db, stack.bus, stack.namespace, project);
    await waitFor(
      async () =>
        (await sample(REVOKE_METRIC_NAMES.inFlight, { auth_config: project.authConfigId })) > 0 &&
        (await samples(REVOKE_STATE_METRIC_NAMES.consumerAckPending)).some(
          ([labels, value]) => labels.job_id === jobId && value > 0,
        ),
      { message: "the running job's in-flight calls and backlog on /metrics", timeoutMs: 30_000 },
    );
    expect(await sample(REVOKE_STATE_METRIC_NAMES.jobs, { status: "running" })).toBe(1);
    await waitForJobStatus(db, jobId, "completed");
    expect(await sample(REVOKE_METRIC_NAMES.inFlight, { auth_config: project.authConfigId })).toBe(0);
  });
});
