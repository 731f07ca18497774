import { newId } from "@warden/ids";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCountsAddUp, insertJob, seedProject, type SeededProject } from "../test-fixtures.js";
import { openTestStack, type TestStack } from "../test-stack.js";
import type { LedgerOutcome } from "./ledger-outcome.js";
import { writeOutcomes } from "./write-outcomes.js";

let stack: TestStack;

beforeAll(async () => {
  stack = await openTestStack("ledger");
});

afterAll(async () => {
  await stack?.close();
});

async function runningJob(project: SeededProject): Promise<string> {
  const { db } = stack.database;
  const jobId = await insertJob(db, {
    kind: "project",
    id: project.projectId,
    orgId: project.orgId,
    projectId: project.projectId,
  });
  const ids = project.accounts.map((a) => a.id);
  await sql`insert into revoke_items (job_id, account_id, auth_config_id, run, status, updated_at)
            select ${jobId}, id, ${project.authConfigId}, 1, 'pending', now() from unnest(${ids}::text[]) as id`.execute(
    db,
  );
  await sql`update revoke_jobs set status = 'running', total = ${ids.length}, pending = ${ids.length}
             where id = ${jobId}`.execute(db);
  return jobId;
}

const final = (
  jobId: string,
  accountId: string,
  status: "revoked" | "failed" | "skipped",
  wipe = status !== "failed",
): LedgerOutcome => ({
  kind: "final",
  jobId,
  accountId,
  run: 1,
  status,
  attempts: 1,
  errorCode: status === "failed" ? "invalid_client" : null,
  errorMessage: null,
  wipe,
  confirmedUpstream: status === "revoked",
});

describe("writeOutcomes", () => {
  it("writes one final status per item, moves counters by what changed and completes the job once", async () => {
    const { db } = stack.database;
    const project = await seedProject(db, stack.keyring, { accounts: 5, revokeUrl: null });
    const jobId = await runningJob(project);
    const [a, b, c, d, e] = project.accounts.map((account) => account.id) as [
      string,
      string,
      string,
      string,
      string,
    ];
    const leaseId = newId("lease");
    await db
      .insertInto("leases")
      .values({
        id: leaseId,
        org_id: project.orgId,
        project_id: project.projectId,
        account_id: a,
        holder: "worker-1",
        status: "active",
        token_hash: `hash-${leaseId}`,
        expires_at: new Date(Date.now() + 60_000),
        ended_at: null,
      })
      .execute();

    const first = await writeOutcomes(db, [
      final(jobId, a, "revoked"),
      // The same item twice in one batch (a redelivery): only the first counts.
      final(jobId, a, "failed"),
      final(jobId, b, "failed"),
      { kind: "retry", jobId, accountId: c, run: 1, attempts: 1, errorCode: "rate_limited" },
      // A stale run changes nothing.
      { ...final(jobId, d, "revoked"), run: 2 },
    ]);
    expect(first.changed).toEqual([true, false, true, true, false]);
    expect(first.wipedAccounts).toEqual([
      {
        jobId,
        account: {
          id: a,
          org_id: project.orgId,
          project_id: project.projectId,
          auth_config_id: project.authConfigId,
        },
      },
    ]);
    expect(first.revokedLeases).toHaveLength(1);
    expect(first.revokedLeases[0]).toMatchObject({ id: leaseId, account_id: a, status: "revoked" });
    expect(first.revokedLeases[0]!.ended_at).toBeInstanceOf(Date);
    expect(first.revokedLeases[0]!.expires_at).toBeInstanceOf(Date);
    expect(first.jobs).toHaveLength(1);
    expect(first.jobs[0]).toMatchObject({ id: jobId, status: "running", revoked: 1, failed: 1, pending: 3 });
    expect(first.jobs[0]!.updated_at).toBeInstanceOf(Date);
    expect(first.completedJobs).toEqual([]);
    const retried = await db
      .selectFrom("revoke_items")
      .select(["status", "attempts", "error_code"])
      .where("job_id", "=", jobId)
      .where("account_id", "=", c)
      .executeTakeFirstOrThrow();
    expect(retried).toEqual({ status: "pending", attempts: 1, error_code: "rate_limited" });

    // Delivered again: nothing changes, nothing is counted twice.
    const again = await writeOutcomes(db, [final(jobId, a, "revoked"), final(jobId, b, "failed")]);
    expect(again.changed).toEqual([false, false]);
    expect(again.jobs).toEqual([]);
    expect(again.wipedAccounts).toEqual([]);

    const last = await writeOutcomes(db, [
      final(jobId, c, "revoked"),
      final(jobId, d, "skipped"),
      final(jobId, e, "revoked"),
    ]);
    expect(last.changed).toEqual([true, true, true]);
    expect(last.completedJobs.map((job) => job.id)).toEqual([jobId]);
    expect(last.completedJobs[0]!.finished_at).toBeInstanceOf(Date);
    const job = await expectCountsAddUp(db, jobId);
    expect(job).toMatchObject({ status: "completed", revoked: 3, failed: 1, skipped: 1, pending: 0 });
    const accounts = await db
      .selectFrom("connected_accounts")
      .select(["id", "status", "refresh_token_ciphertext", "revoked_upstream_at"])
      .where("project_id", "=", project.projectId)
      .execute();
    const byId = new Map(accounts.map((account) => [account.id, account]));
    expect(byId.get(b)).toMatchObject({ status: "active", revoked_upstream_at: null });
    expect(byId.get(b)!.refresh_token_ciphertext).not.toBeNull();
    expect(byId.get(d)).toMatchObject({
      status: "revoked",
      refresh_token_ciphertext: null,
      revoked_upstream_at: null,
    });
    expect(byId.get(e)!.revoked_upstream_at).toBeInstanceOf(Date);
  });
});

describe("writeOutcomes after a cancel raced the provider call", () => {
  it("records a provider-confirmed revocation REVOKED with tokens wiped, and leaves other answers CANCELLED", async () => {
    const { db } = stack.database;
    const project = await seedProject(db, stack.keyring, { accounts: 4, revokeUrl: null });
    const jobId = await runningJob(project);
    const [a, b, c, d] = project.accounts.map((account) => account.id) as [string, string, string, string];
    // CancelRevokeJob, as the gateway writes it: every pending item CANCELLED, the job cancelled.
    await sql`update revoke_items set status = 'cancelled' where job_id = ${jobId}`.execute(db);
    await sql`update revoke_jobs set status = 'cancelled', cancelled = 4, pending = 0, finished_at = now()
               where id = ${jobId}`.execute(db);

    const batch = await writeOutcomes(db, [
      final(jobId, a, "revoked"),
      final(jobId, b, "failed"),
      // Skipped without a provider call: no confirmation, so the cancel stands.
      final(jobId, c, "skipped"),
      // A stale run's confirmation does not touch this run's line.
      { ...final(jobId, d, "revoked"), run: 2 },
    ]);
    expect(batch.changed).toEqual([true, false, false, false]);
    expect(batch.wipedAccounts.map((w) => w.account.id)).toEqual([a]);
    expect(batch.completedJobs).toEqual([]);
    const statuses = await db
      .selectFrom("revoke_items")
      .select(["account_id", "status"])
      .where("job_id", "=", jobId)
      .execute();
    expect(Object.fromEntries(statuses.map((s) => [s.account_id, s.status]))).toEqual({
      [a]: "revoked",
      [b]: "cancelled",
      [c]: "cancelled",
      [d]: "cancelled",
    });
    const account = await db
      .selectFrom("connected_accounts")
      .select(["status", "refresh_token_ciphertext", "revoked_upstream_at"])
      .where("id", "=", a)
      .executeTakeFirstOrThrow();
    expect(account).toMatchObject({ status: "revoked", refresh_token_ciphertext: null });
    expect(account.revoked_upstream_at).not.toBeNull();
    const job = await expectCountsAddUp(db, jobId);
    expect(job).toMatchObject({ status: "cancelled", revoked: 1, cancelled: 3, pending: 0 });

    // A second delivery of the same confirmation changes nothing more.
    const again = await writeOutcomes(db, [final(jobId, a, "revoked")]);
    expect(again.changed).toEqual([false]);
    expect(await expectCountsAddUp(db, jobId)).toMatchObject({ revoked: 1, cancelled: 3 });
  });
});
