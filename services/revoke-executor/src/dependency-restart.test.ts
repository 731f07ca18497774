import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { startPrivateNats, startPrivatePostgres, waitFor, type PrivateServer } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  expectCountsAddUp,
  readJob,
  seedProject,
  startProjectJob,
  waitForJobStatus,
} from "./test-fixtures.js";
import { openTestStack, startTestExecutor, type TestExecutor, type TestStack } from "./test-stack.js";

// Restarts a private nats-server / PostgreSQL (never the shared ones) under a running job.

let provider: MockProvider;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  provider = await startMockProvider({ seed: 5, latencyMs: 3 });
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await provider?.close();
});

async function runJobThroughRestart(
  stack: TestStack,
  server: PrivateServer,
  executor: TestExecutor,
  accounts: number,
) {
  const { db } = stack.database;
  const project = await seedProject(db, stack.keyring, { accounts, revokeUrl: provider.revokeUrl });
  const jobId = await startProjectJob(db, stack.bus, stack.namespace, project);
  await waitFor(async () => (await readJob(db, jobId)).revoked >= accounts / 5, {
    message: "the job to be under way",
    timeoutMs: 60_000,
    intervalMs: 20,
  });
  await server.kill();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await server.start();
  const job = await waitForJobStatus(db, jobId, "completed", 150_000);
  expect(job).toMatchObject({ total: accounts, revoked: accounts, pending: 0, failed: 0 });
  await expectCountsAddUp(db, jobId);
  for (const account of project.accounts)
    expect(provider.revokeCount(account.refreshToken)).toBeGreaterThanOrEqual(1);
  const accountsLeft = await db
    .selectFrom("connected_accounts")
    .select("id")
    .where("project_id", "=", project.projectId)
    .where("status", "!=", "revoked")
    .execute();
  expect(accountsLeft).toHaveLength(0);
  return executor;
}

describe("revoke executor across dependency restarts", () => {
  it("completes a job with nothing lost when nats-server is killed and restarted mid-job", async () => {
    const nats = await startPrivateNats();
    cleanups.push(() => nats.dispose());
    const stack = await openTestStack("rexec_nats", { nats: nats.url });
    cleanups.push(() => stack.close());
    const executor = await startTestExecutor(stack, { retryBaseMs: 100 });
    cleanups.push(() => executor.stop());
    await runJobThroughRestart(stack, nats, executor, 3000);
  }, 240_000);

  it("completes a job with nothing lost when PostgreSQL is killed and restarted mid-job", async () => {
    const postgres = await startPrivatePostgres();
    cleanups.push(() => postgres.dispose());
    const stack = await openTestStack("rexec_pg", { database: postgres.url });
    cleanups.push(() => stack.close());
    const executor = await startTestExecutor(stack, { retryBaseMs: 100 });
    cleanups.push(() => executor.stop());
    await runJobThroughRestart(stack, postgres, executor, 3000);
  }, 240_000);
});
