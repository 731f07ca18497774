import { Code, ConnectError } from "@connectrpc/connect";
import { JobsService, JobStatus, ScopeKind } from "@warden/proto/jobs/v1";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consumePlans, createTenant, finishItems, planItems } from "./jobs-test-fixtures.js";
import { connectClient } from "./test-clients.js";
import { startTestGateway, type TestGateway } from "./test-gateway.js";

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ label: "jobsresume" });
});

afterAll(async () => {
  await gateway?.close();
});

/** A cancelled job of 100 items: 40 revoked, 10 failed, 50 cancelled. */
async function cancelledJob(name: string) {
  const tenant = await createTenant(gateway, name, 0);
  const client = connectClient(JobsService, gateway.url, tenant.orgKey);
  const { job } = await client.createRevokeJob({ scope: { kind: ScopeKind.PROJECT, id: tenant.projectId } });
  const jobId = job!.id;
  await planItems(gateway, jobId, 100, tenant.authConfigId);
  await finishItems(gateway, jobId, 40, "revoked");
  await finishItems(gateway, jobId, 10, "failed", "server_error");
  await client.cancelRevokeJob({ jobId });
  return { client, jobId };
}

async function accountsOf(jobId: string, status: string): Promise<string[]> {
  const { rows } = await sql<{ account_id: string }>`
    select account_id from revoke_items where job_id = ${jobId} and status = ${status} order by account_id`.execute(
    gateway.deps.db,
  );
  return rows.map((r) => r.account_id);
}

describe("RetryRevokeJob resume", () => {
  it("include_cancelled resumes a cancelled job's cancelled and failed items as the next run", async () => {
    const { client, jobId } = await cancelledJob("resume-all");
    const cancelled = await accountsOf(jobId, "cancelled");
    const failed = await accountsOf(jobId, "failed");
    await consumePlans(gateway);

    const resumed = (await client.retryRevokeJob({ jobId, includeCancelled: true })).job!;
    expect(resumed.run).toBe(2);
    expect(resumed.status).toBe(JobStatus.PLANNING);
    expect(resumed.counts).toMatchObject({
      total: 100n,
      revoked: 40n,
      failed: 0n,
      cancelled: 0n,
      pending: 60n,
    });
    const { rows } = await sql<{ account_id: string }>`
      select account_id from revoke_items where job_id = ${jobId} and run = 2 and status = 'pending'
      order by account_id`.execute(gateway.deps.db);
    expect(rows.map((r) => r.account_id)).toEqual([...cancelled, ...failed].sort());
    expect((await consumePlans(gateway)).filter((p) => p.jobId === jobId).map((p) => p.run)).toEqual([2]);

    // The resumed run finishes every item it took up.
    await gateway.deps.db
      .updateTable("revoke_jobs")
      .set({ status: "running" })
      .where("id", "=", jobId)
      .execute();
    await finishItems(gateway, jobId, 60, "revoked");
    const done = (await client.getRevokeJob({ jobId })).job!;
    expect(done.status).toBe(JobStatus.COMPLETED);
    expect(done.counts).toMatchObject({ total: 100n, revoked: 100n, cancelled: 0n, pending: 0n });
  });

  it("without include_cancelled a cancelled job's retry takes up its failed items only", async () => {
    const { client, jobId } = await cancelledJob("resume-failed");
    const retried = (await client.retryRevokeJob({ jobId })).job!;
    expect(retried.counts).toMatchObject({ failed: 0n, cancelled: 50n, pending: 10n });
  });

  it("connected_account_ids retries only the named items", async () => {
    const { client, jobId } = await cancelledJob("resume-some");
    const picked = [(await accountsOf(jobId, "cancelled"))[0]!, (await accountsOf(jobId, "failed"))[0]!];
    const retried = (
      await client.retryRevokeJob({
        jobId,
        includeCancelled: true,
        connectedAccountIds: [...picked, picked[0]!],
      })
    ).job!;
    expect(retried.counts).toMatchObject({ failed: 9n, cancelled: 49n, pending: 2n });
    expect(await accountsOf(jobId, "pending")).toEqual([...picked].sort());
  });

  it("refuses names that are not retryable items, naming the field, and changes nothing", async () => {
    const { client, jobId } = await cancelledJob("resume-bad");
    const cancelledId = (await accountsOf(jobId, "cancelled"))[0]!;
    const revokedId = (await accountsOf(jobId, "revoked"))[0]!;
    const errorOf = async (req: { includeCancelled?: boolean; connectedAccountIds: string[] }) =>
      ConnectError.from(await client.retryRevokeJob({ jobId, ...req }).catch((e: unknown) => e));

    const malformed = await errorOf({ connectedAccountIds: ["not-an-id"] });
    expect(malformed.code).toBe(Code.InvalidArgument);
    expect(malformed.rawMessage).toContain("connected_account_ids[0]");
    const foreign = await errorOf({ connectedAccountIds: ["ca_0000000000000000000000"] });
    expect(foreign.code).toBe(Code.InvalidArgument);
    const withoutFlag = await errorOf({ connectedAccountIds: [cancelledId] });
    expect(withoutFlag.code).toBe(Code.FailedPrecondition);
    expect(withoutFlag.rawMessage).toContain("include_cancelled");
    expect(withoutFlag.rawMessage).not.toContain(": ");
    const revoked = await errorOf({ includeCancelled: true, connectedAccountIds: [revokedId] });
    expect(revoked.code).toBe(Code.FailedPrecondition);
    expect(revoked.rawMessage).toContain("REVOKED");

    const unchanged = (await client.getRevokeJob({ jobId })).job!;
    expect(unchanged.status).toBe(JobStatus.CANCELLED);
    expect(unchanged.run).toBe(1);
    expect(unchanged.counts).toMatchObject({ revoked: 40n, failed: 10n, cancelled: 50n, pending: 0n });
  });

  it("a job with nothing failed or cancelled is FAILED_PRECONDITION", async () => {
    const { client, jobId } = await cancelledJob("resume-twice");
    await client.retryRevokeJob({ jobId, includeCancelled: true });
    await gateway.deps.db
      .updateTable("revoke_jobs")
      .set({ status: "running" })
      .where("id", "=", jobId)
      .execute();
    await finishItems(gateway, jobId, 60, "revoked");
    const error = ConnectError.from(
      await client.retryRevokeJob({ jobId, includeCancelled: true }).catch((e: unknown) => e),
    );
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(error.rawMessage).toContain("no failed or cancelled items");
  });
});
