import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { DIAGNOSTICS, FIGURES, waitFor, type ServiceProcess } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  expectCountsAddUp,
  readJob,
  seedProject,
  startProjectJob,
  waitForJobStatus,
} from "./test-fixtures.js";
import { openTestStack, startExecutorProcess, type TestStack } from "./test-stack.js";

// The executor as it runs in production: a child process, killed without warning.

let stack: TestStack;
let provider: MockProvider;
const children: ServiceProcess[] = [];

beforeAll(async () => {
  stack = await openTestStack("rexec_kill");
  provider = await startMockProvider({ seed: 11 });
});

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await provider?.close();
  await stack?.close();
});

async function startExecutor(env: Record<string, string>): Promise<ServiceProcess> {
  // Pushed once ready: one that never got ready is killed by startExecutorProcess itself.
  const child = await startExecutorProcess(stack, { name: `revoke-executor-${children.length + 1}`, env });
  children.push(child);
  return child;
}

describe("revoke executor crash safety", () => {
  it("finishes a job with nothing lost or doubled after executors are SIGKILLed mid-plan and mid-items", async ({
    annotate,
  }) => {
    provider.configure({ latencyMs: 3 });
    const { db } = stack.database;
    const project = await seedProject(db, stack.keyring, { accounts: 4000, revokeUrl: provider.revokeUrl });
    // Small plan batches keep planning going long enough to kill it half-way.
    const env = { WARDEN_REVOKE_PLAN_BATCH: "20" };
    const first = await startExecutor(env);
    const jobId = await startProjectJob(db, stack.bus, stack.namespace, project);

    await waitFor(async () => (await readJob(db, jobId)).plan_cursor !== null, {
      message: "planning to start",
      timeoutMs: 30_000,
      intervalMs: 20,
    });
    first.kill("SIGKILL");
    await first.exited;
    const afterFirst = await expectCountsAddUp(db, jobId);

    const second = await startExecutor(env);
    await waitFor(async () => (await readJob(db, jobId)).revoked >= afterFirst.revoked + 800, {
      message: "items to progress",
      timeoutMs: 60_000,
      intervalMs: 20,
    });
    second.kill("SIGKILL");
    await second.exited;
    await expectCountsAddUp(db, jobId);

    const third = await startExecutor(env);
    const job = await waitForJobStatus(db, jobId, "completed", 120_000).catch(async (error: unknown) => {
      await annotate(
        `${JSON.stringify(await readJob(db, jobId))}\n${third.logs().slice(-40).join("\n")}`,
        DIAGNOSTICS,
      );
      throw error;
    });
    provider.configure({ latencyMs: 0 });
    expect(job).toMatchObject({ total: 4000, revoked: 4000, pending: 0, failed: 0 });
    await expectCountsAddUp(db, jobId);

    // Every account revoked; a repeat only where a kill cut between the provider call and the commit.
    let repeats = 0;
    for (const account of project.accounts) {
      const count = provider.revokeCount(account.refreshToken);
      expect(count).toBeGreaterThanOrEqual(1);
      repeats += count - 1;
    }
    expect(repeats).toBeLessThanOrEqual(600);

    // SIGTERM drains and exits cleanly.
    expect(await third.stop(30_000)).toBe(0);
    const logs = [first, second, third].flatMap((child) => child.logs()).join("\n");
    expect(logs).toContain("revoke job completed");
    expect(logs).not.toContain(project.clientSecret);
    for (const account of project.accounts) {
      expect(logs).not.toContain(account.refreshToken);
      expect(logs).not.toContain(account.accessToken);
    }
    await annotate(
      `crash test: planned ${afterFirst.total} before the first kill, ${repeats} repeated provider calls`,
      FIGURES,
    );
  }, 240_000);
});
