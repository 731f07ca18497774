import { publishEvent, busNames } from "@warden/bus";
import { jobEventMsgId, jobEventOf } from "@warden/events";
import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { JobEventSchema } from "@warden/proto/events/v1";
import { retryLockedJob } from "@warden/revoke-jobs";
import { FIGURES, waitFor, type ServiceProcess } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancelLockedJob, lockJob } from "../../jobs-gateway/src/repositories/jobs.repository.js";
import { providerCallCounts } from "./provider-call-counts.js";
import {
  expectCountsAddUp,
  ledgerCounts,
  publishPlan,
  readJob,
  seedProject,
  startProjectJob,
  waitForJobStatus,
} from "./test-fixtures.js";
import { openTestStack, startExecutorProcess, type TestStack } from "./test-stack.js";

// Cancel lands while calls are in flight at a slow provider: whatever the
// provider confirmed is REVOKED (tokens wiped), never CANCELLED; then a resume
// (RetryRevokeJob with include_cancelled, as the gateway writes it) finishes
// every cancelled item, and no token is revoked twice.
const ACCOUNTS = 1_000;

let stack: TestStack;
let provider: MockProvider;

beforeAll(async () => {
  stack = await openTestStack("rexec_cancel");
  provider = await startMockProvider({ seed: 41, latencyMs: 300 });
});

afterAll(async () => {
  await provider?.close();
  await stack?.close();
});

async function startExecutors(): Promise<ServiceProcess[]> {
  const children: ServiceProcess[] = [];
  for (const name of ["cancel-a", "cancel-b"])
    children.push(await startExecutorProcess(stack, { name, logLevel: "info" }));
  return children;
}

async function stopAll(children: ServiceProcess[]): Promise<void> {
  await Promise.all(children.map((child) => child.stop(30_000)));
}

describe("cancel and resume", () => {
  it("records every provider-confirmed item REVOKED after a mid-job cancel, and resume finishes every cancelled item", async ({
    annotate,
  }) => {
    const { db } = stack.database;
    const project = await seedProject(db, stack.keyring, {
      accounts: ACCOUNTS,
      revokeUrl: provider.revokeUrl,
    });
    let executors = await startExecutors();
    const jobId = await startProjectJob(db, stack.bus, stack.namespace, project);
    await waitFor(async () => (await readJob(db, jobId)).revoked >= ACCOUNTS * 0.3, {
      message: "the job to reach 30 %",
      timeoutMs: 120_000,
      intervalMs: 10,
    });

    // CancelRevokeJob as the gateway does it: lock, cancel pending items, publish the cancelled event.
    const cancelled = await db.transaction().execute(async (trx) => {
      await lockJob(trx, jobId);
      return cancelLockedJob(trx, jobId, new Date());
    });
    await publishEvent(
      stack.bus.js,
      busNames(stack.namespace).subjects.jobEvent(jobId, "cancelled"),
      JobEventSchema,
      jobEventOf(cancelled),
      { msgId: jobEventMsgId(cancelled, "cancelled") },
    );
    // SIGTERM lets every call still in flight finish and commit; nothing is in flight after it.
    await stopAll(executors);

    const afterCancel = await expectCountsAddUp(db, jobId);
    const confirmed = provider.counters.revokeSuccesses;
    await annotate(
      `cancel mid-job: ${afterCancel.revoked} REVOKED, ${afterCancel.cancelled} CANCELLED, provider 200s ${confirmed}`,
      FIGURES,
    );
    expect(afterCancel.status).toBe("cancelled");
    expect(afterCancel.cancelled).toBeGreaterThan(0);
    expect(afterCancel.revoked).toBe(confirmed);
    // Every REVOKED account had its tokens wiped; every CANCELLED one still holds them.
    const live = await db
      .selectFrom("revoke_items as i")
      .innerJoin("connected_accounts as a", "a.id", "i.account_id")
      .select(["i.status", "a.refresh_token_ciphertext"])
      .where("i.job_id", "=", jobId)
      .execute();
    for (const row of live) expect(row.refresh_token_ciphertext === null).toBe(row.status === "revoked");

    // Resume: the cancelled items as run 2.
    const resumed = await db.transaction().execute(async (trx) => {
      await lockJob(trx, jobId);
      return retryLockedJob(trx, jobId, new Date(), { includeCancelled: true });
    });
    expect(resumed).toMatchObject({ run: 2, pending: afterCancel.cancelled, cancelled: 0 });
    executors = await startExecutors();
    await publishPlan(stack.bus, stack.namespace, jobId, 2);
    const done = await waitForJobStatus(db, jobId, "completed", 180_000);
    await stopAll(executors);
    expect(done).toMatchObject({ total: ACCOUNTS, revoked: ACCOUNTS, cancelled: 0, pending: 0, failed: 0 });
    expect(await ledgerCounts(db, jobId)).toEqual({ revoked: ACCOUNTS });
    const counts = providerCallCounts(provider, project.accounts);
    await annotate(`resume after cancel: ${JSON.stringify(counts)}`, FIGURES);
    expect(counts).toMatchObject({ uncalled: 0, calledTwice: 0 });
  }, 420_000);
});
