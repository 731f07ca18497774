import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fromBinary } from "@bufbuild/protobuf";
import { busNames, publishWorkBatch } from "@warden/bus";
import { newId } from "@warden/ids";
import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { JobEventSchema, type JobEvent } from "@warden/proto/events/v1";
import { JobStatus } from "@warden/proto/jobs/v1";
import { RevokeWorkItemSchema } from "@warden/proto/work/v1";
import { retryLockedJob } from "@warden/revoke-jobs";
import { waitFor } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  expectCountsAddUp,
  insertJob,
  publishPlan,
  readJob,
  seedProject,
  startProjectJob,
  waitForJobStatus,
  type SeededProject,
} from "./test-fixtures.js";
import {
  expandNextBatch,
  advancePublishedCursor,
  type PlannedItem,
} from "./repositories/planning.repository.js";
import { openTestStack, startTestExecutor, type TestExecutor, type TestStack } from "./test-stack.js";

let stack: TestStack;
let provider: MockProvider;
let executor: TestExecutor;

beforeAll(async () => {
  stack = await openTestStack("rexec");
  provider = await startMockProvider({ seed: 7 });
  // The breaker would cut the 401 tests below short after 20 failures; these tests are about
  // each item's own outcome, and the breaker has its own (revoke-breaker.test.ts).
  executor = await startTestExecutor(stack, { retryBaseMs: 100, maxAttempts: 15, breakerThreshold: 10_000 });
});

afterAll(async () => {
  await executor?.stop();
  await provider?.close();
  await stack?.close();
});

function expectRevokedOnceEach(project: SeededProject) {
  for (const account of project.accounts) expect(provider.revokeCount(account.refreshToken)).toBe(1);
}

function expectNoSecretLogged(projects: SeededProject[]) {
  const log = executor.logLines.join("");
  expect(log.length).toBeGreaterThan(0);
  for (const project of projects) {
    expect(log).not.toContain(project.clientSecret);
    for (const account of project.accounts) {
      expect(log).not.toContain(account.refreshToken);
      expect(log).not.toContain(account.accessToken);
    }
  }
}

describe("revoke executor", () => {
  it("revokes every account of a project exactly once at the provider and publishes completed", async () => {
    provider.reset();
    const { db } = stack.database;
    const project = await seedProject(db, stack.keyring, { accounts: 3000, revokeUrl: provider.revokeUrl });
    // An active lease on one account must end with the account.
    const leaseId = newId("lease");
    await db
      .insertInto("leases")
      .values({
        id: leaseId,
        org_id: project.orgId,
        project_id: project.projectId,
        account_id: project.accounts[0]!.id,
        holder: "worker-1",
        status: "active",
        token_hash: `hash-${leaseId}`,
        expires_at: new Date(Date.now() + 3_600_000),
        ended_at: null,
      })
      .execute();
    const jobId = await startProjectJob(db, stack.bus, stack.namespace, project).then(async (id) => id);
    const completed = new Promise<JobEvent>((resolve) => {
      const sub = stack.bus.nc.subscribe(busNames(stack.namespace).subjects.jobEvent(jobId, "completed"), {
        callback: (_error, msg) => {
          sub.unsubscribe();
          resolve(fromBinary(JobEventSchema, msg.data));
        },
      });
    });

    const event = await completed;
    expect(event.job?.status).toBe(JobStatus.COMPLETED);
    expect(event.job?.counts?.revoked).toBe(3000n);
    const job = await expectCountsAddUp(db, jobId);
    expect(job).toMatchObject({ status: "completed", total: 3000, revoked: 3000, pending: 0 });
    expectRevokedOnceEach(project);
    expect(provider.counters.revocationsByToken.size).toBe(3000);
    expect(provider.counters.clientAuthBasic).toBe(3000);

    const accounts = await db
      .selectFrom("connected_accounts")
      .select(["status", "access_token_ciphertext", "refresh_token_ciphertext", "revoked_upstream_at"])
      .where("project_id", "=", project.projectId)
      .execute();
    for (const account of accounts) {
      expect(account).toMatchObject({
        status: "revoked",
        access_token_ciphertext: null,
        refresh_token_ciphertext: null,
      });
      expect(account.revoked_upstream_at).toBeInstanceOf(Date);
    }
    const lease = await db
      .selectFrom("leases")
      .select(["status"])
      .where("id", "=", leaseId)
      .executeTakeFirstOrThrow();
    expect(lease.status).toBe("revoked");
    expectNoSecretLogged([project]);
  });

  it("does nothing twice when a plan and its work items are delivered again", async () => {
    provider.reset();
    provider.configure({ latencyMs: 20 });
    const { db } = stack.database;
    const project = await seedProject(db, stack.keyring, { accounts: 400, revokeUrl: provider.revokeUrl });
    const jobId = await startProjectJob(db, stack.bus, stack.namespace, project);
    // The same run's plan again under another message id (e.g. re-published by the sweeper).
    await publishPlan(stack.bus, stack.namespace, jobId, 1, `plan:${jobId}:1:again`);
    await waitFor(async () => (await readJob(db, jobId)).status === "running", {
      message: "planning done",
      timeoutMs: 30_000,
    });
    // Every work item a second time, as a redelivery after a lost ack would bring it.
    await publishWorkBatch(
      stack.bus.nc,
      project.accounts.map((account) => ({
        subject: busNames(stack.namespace).subjects.revokeItem(jobId),
        schema: RevokeWorkItemSchema,
        message: { jobId, run: 1, accountId: account.id, authConfigId: project.authConfigId },
        msgId: `dup:${jobId}:${account.id}`,
      })),
    );
    await waitForJobStatus(db, jobId, "completed");
    provider.configure({ latencyMs: 0 });
    const job = await expectCountsAddUp(db, jobId);
    expect(job).toMatchObject({ total: 400, revoked: 400 });
    const items = await db
      .selectFrom("revoke_items")
      .select(({ fn }) => fn.countAll<number>().as("n"))
      .where("job_id", "=", jobId)
      .executeTakeFirstOrThrow();
    expect(Number(items.n)).toBe(400);
    expectRevokedOnceEach(project);
  });

  it("publishes the items a crashed planner expanded but never published, and none twice", async () => {
    provider.reset();
    const { db } = stack.database;
    const project = await seedProject(db, stack.keyring, { accounts: 60, revokeUrl: provider.revokeUrl });
    const jobId = await insertJob(db, {
      kind: "project",
      id: project.projectId,
      orgId: project.orgId,
      projectId: project.projectId,
    });
    const job = { id: jobId, scope_kind: "project" as const, scope_id: project.projectId };
    // The state a planner leaves when killed after expanding three batches and storing
    // the messages of the first only.
    const batches: PlannedItem[][] = [];
    for (let i = 0; i < 3; i++) {
      const next = await expandNextBatch(db, job, 1, 20);
      if (next.done) throw new Error("scope exhausted early");
      batches.push(next.inserted);
    }
    const first = batches[0]!.map((item) => item.account_id).sort();
    await publishWorkBatch(
      stack.bus.nc,
      first.map((accountId) => ({
        subject: busNames(stack.namespace).subjects.revokeItem(jobId),
        schema: RevokeWorkItemSchema,
        message: { jobId, run: 1, accountId, authConfigId: project.authConfigId },
        msgId: `item:${jobId}:1:${accountId}`,
      })),
    );
    await advancePublishedCursor(db, jobId, 1, first[first.length - 1]!);

    // The plan is delivered again: the unpublished batches must go out, the published one not twice.
    await publishPlan(stack.bus, stack.namespace, jobId, 1);
    await waitForJobStatus(db, jobId, "completed");
    const done = await expectCountsAddUp(db, jobId);
    expect(done).toMatchObject({
      total: 60,
      revoked: 60,
      published_cursor: project.accounts
        .map((a) => a.id)
        .sort()
        .at(-1),
    });
    expectRevokedOnceEach(project);
  });

  it("wipes tokens locally and marks items skipped when the auth config has no revoke_url", async () => {
    provider.reset();
    const { db } = stack.database;
    const project = await seedProject(db, stack.keyring, { accounts: 50, revokeUrl: null });
    const jobId = await startProjectJob(db, stack.bus, stack.namespace, project);
    const job = await waitForJobStatus(db, jobId, "completed");
    expect(job).toMatchObject({ total: 50, skipped: 50, revoked: 0 });
    await expectCountsAddUp(db, jobId);
    expect(provider.counters.revokeCalls).toBe(0);
    const items = await db
      .selectFrom("revoke_items")
      .select(["status", "error_code", "wiped_locally"])
      .where("job_id", "=", jobId)
      .execute();
    for (const item of items)
      expect(item).toMatchObject({ status: "skipped", error_code: "no_revoke_url", wiped_locally: true });
    const held = await db
      .selectFrom("connected_accounts")
      .select("id")
      .where("project_id", "=", project.projectId)
      .where("refresh_token_ciphertext", "is not", null)
      .execute();
    expect(held).toHaveLength(0);
  });

  it("retries 5xx and 429 (honouring Retry-After) until every item is revoked", async () => {
    provider.reset();
    provider.configure({ rate5xx: 0.2, rate429: 0.1, retryAfterSeconds: 1 });
    const { db } = stack.database;
    const project = await seedProject(db, stack.keyring, {
      accounts: 1000,
      revokeUrl: provider.revokeUrl,
      clientAuth: "post",
    });
    const started = Date.now();
    const jobId = await startProjectJob(db, stack.bus, stack.namespace, project);
    const job = await waitForJobStatus(db, jobId, "completed", 120_000);
    provider.configure({ rate5xx: 0, rate429: 0 });
    expect(job).toMatchObject({ total: 1000, revoked: 1000, failed: 0 });
    await expectCountsAddUp(db, jobId);
    expectRevokedOnceEach(project);
    expect(provider.counters.serverErrors).toBeGreaterThan(100);
    expect(provider.counters.rateLimited).toBeGreaterThan(50);
    expect(provider.counters.clientAuthPost).toBe(1000);
    // Items that met a 429 waited out its Retry-After of one second.
    expect(Date.now() - started).toBeGreaterThan(1000);
    const retried = await db
      .selectFrom("revoke_items")
      .select("attempts")
      .where("job_id", "=", jobId)
      .where("attempts", ">", 1)
      .execute();
    expect(retried.length).toBeGreaterThan(100);
  });

  it("fails items with the provider's error code on a 401 invalid_client and keeps their tokens", async () => {
    provider.reset();
    provider.configure({
      forceError: { revoke: { status: 401, error: "invalid_client", errorDescription: "bad client" } },
    });
    const { db } = stack.database;
    const project = await seedProject(db, stack.keyring, { accounts: 100, revokeUrl: provider.revokeUrl });
    const jobId = await startProjectJob(db, stack.bus, stack.namespace, project);
    const job = await waitForJobStatus(db, jobId, "completed");
    provider.configure({ forceError: null });
    expect(job).toMatchObject({ total: 100, failed: 100, revoked: 0 });
    await expectCountsAddUp(db, jobId);
    const items = await db
      .selectFrom("revoke_items")
      .select(["status", "error_code", "attempts", "wiped_locally"])
      .where("job_id", "=", jobId)
      .execute();
    for (const item of items)
      expect(item).toMatchObject({
        status: "failed",
        error_code: "invalid_client",
        attempts: 1,
        wiped_locally: false,
      });
    const accounts = await db
      .selectFrom("connected_accounts")
      .select(["status", "refresh_token_ciphertext"])
      .where("project_id", "=", project.projectId)
      .execute();
    for (const account of accounts) {
      expect(account.status).toBe("active");
      expect(account.refresh_token_ciphertext).not.toBeNull();
    }
  });

  it("a retry run revokes exactly the items that failed, once the provider is fixed", async () => {
    provider.reset();
    const { db } = stack.database;
    const project = await seedProject(db, stack.keyring, { accounts: 60, revokeUrl: provider.revokeUrl });
    // The first 20 accounts fail; the rest are revoked.
    provider.configure({
      forceError: { revoke: { status: 401, error: "invalid_client", times: 20 } },
      latencyMs: 0,
    });
    const jobId = await startProjectJob(db, stack.bus, stack.namespace, project);
    const first = await waitForJobStatus(db, jobId, "completed");
    expect(first).toMatchObject({ total: 60, failed: 20, revoked: 40 });
    const failedIds = (
      await db
        .selectFrom("revoke_items")
        .select("account_id")
        .where("job_id", "=", jobId)
        .where("status", "=", "failed")
        .execute()
    ).map((r) => r.account_id);
    const callsBefore = provider.counters.revokeSuccesses;

    // What RetryRevokeJob commits, then its plan for run 2.
    await db.transaction().execute(async (trx) => {
      await trx.selectFrom("revoke_jobs").select("id").where("id", "=", jobId).forUpdate().execute();
      await retryLockedJob(trx, jobId, new Date());
    });
    await publishPlan(stack.bus, stack.namespace, jobId, 2);
    await waitFor(
      async () => (await readJob(db, jobId)).status === "completed" && (await readJob(db, jobId)).run === 2,
      { message: "run 2 to complete", timeoutMs: 30_000 },
    );
    const job = await expectCountsAddUp(db, jobId);
    expect(job).toMatchObject({ run: 2, total: 60, revoked: 60, failed: 0 });
    expect(provider.counters.revokeSuccesses - callsBefore).toBe(20);
    const byId = new Map(project.accounts.map((a) => [a.id, a]));
    for (const id of failedIds) expect(provider.revokeCount(byId.get(id)!.refreshToken)).toBe(1);
  });

  it("stops revoking the items of a job cancelled mid-way and counts add up", async () => {
    provider.reset();
    provider.configure({ latencyMs: 30 });
    const { db } = stack.database;
    const project = await seedProject(db, stack.keyring, { accounts: 1500, revokeUrl: provider.revokeUrl });
    const jobId = await startProjectJob(db, stack.bus, stack.namespace, project);
    await waitFor(async () => (await readJob(db, jobId)).revoked >= 100, {
      message: "the job to be under way",
      timeoutMs: 30_000,
    });
    // What CancelRevokeJob commits.
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable("revoke_jobs")
        .set({ status: "cancelled", finished_at: new Date() })
        .where("id", "=", jobId)
        .execute();
      const moved = await trx
        .updateTable("revoke_items")
        .set({ status: "cancelled" })
        .where("job_id", "=", jobId)
        .where("status", "=", "pending")
        .executeTakeFirst();
      const n = Number(moved.numUpdatedRows);
      await trx
        .updateTable("revoke_jobs")
        .set((eb) => ({ cancelled: eb("cancelled", "+", n), pending: eb("pending", "-", n) }))
        .where("id", "=", jobId)
        .execute();
    });
    const atCancel = provider.counters.revokeCalls;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    provider.configure({ latencyMs: 0 });
    const job = await expectCountsAddUp(db, jobId);
    expect(job.status).toBe("cancelled");
    expect(job.cancelled).toBeGreaterThan(0);
    // Only calls already in flight at the cancel may still have landed (bounded per auth config).
    expect(provider.counters.revokeCalls - atCancel).toBeLessThanOrEqual(64);
    await waitFor(async () => !executor.executor.items.jobs().includes(jobId), {
      message: "the cancelled job's loop to stop",
      timeoutMs: 10_000,
    });
  });

  it("with force, wipes the tokens of items the provider refused and says so on the item", async () => {
    provider.reset();
    provider.configure({ forceError: { revoke: { status: 401, error: "invalid_client" } } });
    const { db } = stack.database;
    const project = await seedProject(db, stack.keyring, { accounts: 100, revokeUrl: provider.revokeUrl });
    const jobId = await startProjectJob(db, stack.bus, stack.namespace, project, true);
    const job = await waitForJobStatus(db, jobId, "completed");
    provider.configure({ forceError: null });
    expect(job).toMatchObject({ total: 100, failed: 100 });
    const items = await db
      .selectFrom("revoke_items")
      .select(["status", "error_code", "wiped_locally"])
      .where("job_id", "=", jobId)
      .execute();
    for (const item of items)
      expect(item).toMatchObject({ status: "failed", error_code: "invalid_client", wiped_locally: true });
    const accounts = await db
      .selectFrom("connected_accounts")
      .select(["status", "access_token_ciphertext", "refresh_token_ciphertext", "revoked_upstream_at"])
      .where("project_id", "=", project.projectId)
      .execute();
    for (const account of accounts) {
      expect(account).toMatchObject({
        status: "revoked",
        access_token_ciphertext: null,
        refresh_token_ciphertext: null,
        revoked_upstream_at: null,
      });
    }
  });

  it("reads Slack-style answers: ok:true revokes, ok:false fails with the error", async () => {
    provider.reset();
    provider.configure({ responseStyle: "slack" });
    const { db } = stack.database;
    const good = await seedProject(db, stack.keyring, {
      accounts: 20,
      revokeUrl: provider.revokeUrl,
      responseStyle: "slack",
    });
    const goodJob = await startProjectJob(db, stack.bus, stack.namespace, good);
    expect(await waitForJobStatus(db, goodJob, "completed")).toMatchObject({ revoked: 20 });
    const bad = await seedProject(db, stack.keyring, {
      accounts: 20,
      revokeUrl: provider.revokeUrl,
      responseStyle: "slack",
      clientSecret: "wrong-secret-value",
    });
    const badJob = await startProjectJob(db, stack.bus, stack.namespace, bad);
    expect(await waitForJobStatus(db, badJob, "completed")).toMatchObject({ failed: 20 });
    const codes = await db
      .selectFrom("revoke_items")
      .select("error_code")
      .where("job_id", "=", badJob)
      .execute();
    for (const row of codes) expect(row.error_code).toBe("bad_client_secret");
    provider.configure({ responseStyle: "rfc6749" });
  });

  it("keeps provider calls per auth config within the bound", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const server = createServer((req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      req.resume();
      setTimeout(() => {
        inFlight--;
        res.writeHead(200).end();
      }, 20);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const { db } = stack.database;
      const project = await seedProject(db, stack.keyring, {
        accounts: 400,
        revokeUrl: `http://127.0.0.1:${port}/revoke`,
      });
      const jobId = await startProjectJob(db, stack.bus, stack.namespace, project);
      expect(await waitForJobStatus(db, jobId, "completed")).toMatchObject({ revoked: 400 });
      // The executor in this file runs with the default bound of 32 per auth config.
      expect(maxInFlight).toBeLessThanOrEqual(32);
      expect(maxInFlight).toBeGreaterThan(4);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("never logs a token or client secret", () => {
    const log = executor.logLines.join("");
    expect(log).not.toContain("warden-mock-secret");
    expect(log).not.toContain("wrong-secret-value");
    expect(log).not.toMatch(/\brt-[0-9a-f]{8}-\d+-/);
    expect(log).not.toMatch(/\bat-[0-9a-f]{8}-\d+-/);
  });
});
