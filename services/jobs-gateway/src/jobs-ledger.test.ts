import { Code, ConnectError } from "@connectrpc/connect";
import {
  ItemFilter,
  ItemStatus,
  JobsService,
  JobStatus,
  RevokeJobSchema,
  ScopeKind,
} from "@warden/proto/jobs/v1";
import { sql } from "kysely";
import { waitFor } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  codeOf,
  consumePlans,
  createTenant,
  eventCount,
  finishItems,
  planItems,
  type TestTenant,
} from "./jobs-test-fixtures.js";
import { itemsPageQuery, preferIndexOrder } from "./repositories/jobs.repository.js";
import { connectClient } from "./test-clients.js";
import { startTestGateway, type TestGateway } from "./test-gateway.js";

let gateway: TestGateway;
let tenant: TestTenant;
let jobs: ReturnType<typeof connectClient<typeof JobsService>>;

beforeAll(async () => {
  gateway = await startTestGateway({ label: "jobsledger" });
  tenant = await createTenant(gateway, "ledger", 3);
  jobs = connectClient(JobsService, gateway.url, tenant.orgKey);
});

afterAll(async () => {
  await gateway?.close();
});

interface PlanNode {
  "Node Type": string;
  "Actual Rows": number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
}

function flatten(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(flatten)];
}

async function pageAll(jobId: string, filter: ItemFilter, pageSize: number, client = jobs) {
  const seen: string[] = [];
  let cursor = "";
  let pages = 0;
  do {
    const page = await client.getRevokeJob({ jobId, filter, pageSize, cursor });
    seen.push(...page.items.map((i) => i.connectedAccountId));
    if (filter === ItemFilter.FAILED)
      expect(page.items.every((i) => i.status === ItemStatus.FAILED)).toBe(true);
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  return { seen, pages };
}

describe("GetRevokeJob ledger paging", () => {
  let jobId: string;
  let failedCursor: string;

  beforeAll(async () => {
    jobId = (await jobs.createRevokeJob({ scope: { kind: ScopeKind.AUTH_CONFIG, id: tenant.authConfigId } }))
      .job!.id;
    await planItems(gateway, jobId, 20_000, tenant.authConfigId);
    await finishItems(gateway, jobId, 7_000, "revoked");
    await finishItems(gateway, jobId, 3_001, "failed", "invalid_client");
    await finishItems(gateway, jobId, 2_000, "skipped");
  }, 120_000);

  it("the FAILED filter and ALL pages with cursors are exact across 20,000 items: no gaps, no duplicates, equal to SQL", async () => {
    const { rows: expected } = await sql<{ status: string; n: number }>`
      select status, count(*)::int n from revoke_items where job_id = ${jobId} group by status`.execute(
      gateway.deps.db,
    );
    const failedInDb = expected.find((r) => r.status === "failed")!.n;
    expect(failedInDb).toBe(3_001);

    const failed = await pageAll(jobId, ItemFilter.FAILED, 1000);
    expect(failed.seen).toHaveLength(failedInDb);
    expect(new Set(failed.seen).size).toBe(failedInDb);
    expect([...failed.seen]).toEqual([...failed.seen].sort());
    expect(failed.pages).toBe(4);

    const all = await pageAll(jobId, ItemFilter.ALL, 1000);
    expect(all.seen).toHaveLength(20_000);
    expect(new Set(all.seen).size).toBe(20_000);
    const { rows: allIds } = await sql<{ account_id: string }>`
      select account_id from revoke_items where job_id = ${jobId} order by account_id`.execute(
      gateway.deps.db,
    );
    expect(all.seen).toEqual(allIds.map((r) => r.account_id));

    const job = (await jobs.getRevokeJob({ jobId, pageSize: 1 })).job!;
    expect(job.counts).toMatchObject({
      total: 20_000n,
      revoked: 7_000n,
      failed: 3_001n,
      skipped: 2_000n,
      pending: 7_999n,
    });
    const page = await jobs.getRevokeJob({ jobId, filter: ItemFilter.FAILED, pageSize: 2 });
    expect(page.items[0]).toMatchObject({
      status: ItemStatus.FAILED,
      errorCode: "invalid_client",
      attempts: 1,
    });
    failedCursor = page.nextCursor;
  });

  it("a ledger page reads only its own rows, at item 1 as deep in the ledger (keyset on an index, no sort, no OFFSET)", async () => {
    const { rows: ids } = await sql<{ account_id: string }>`
      select account_id from revoke_items where job_id = ${jobId} order by account_id`.execute(
      gateway.deps.db,
    );
    const { rows: failedIds } = await sql<{ account_id: string }>`
      select account_id from revoke_items where job_id = ${jobId} and status = 'failed' order by account_id`.execute(
      gateway.deps.db,
    );
    const cases = [
      { failedOnly: false, afterAccountId: undefined },
      { failedOnly: false, afterAccountId: ids[10_000]!.account_id },
      { failedOnly: true, afterAccountId: undefined },
      { failedOnly: true, afterAccountId: failedIds[1_500]!.account_id },
    ];
    for (const c of cases) {
      // Exactly what listItems runs, without waiting for autovacuum's ANALYZE.
      const [{ "QUERY PLAN": plan }] = (await gateway.deps.db.transaction().execute(async (trx) => {
        await preferIndexOrder(trx);
        return itemsPageQuery(trx, { jobId, limit: 51, ...c }).explain("json", sql`analyze`);
      })) as unknown as [{ "QUERY PLAN": [{ Plan: PlanNode }] }];
      const nodes = flatten(plan[0].Plan);
      expect(
        nodes.map((n) => n["Node Type"]),
        JSON.stringify(c),
      ).not.toContain("Sort");
      const scans = nodes.filter((n) => n["Node Type"].includes("Scan"));
      expect(scans).toHaveLength(1);
      expect(scans[0]!["Node Type"]).toMatch(/Index/);
      expect(scans[0]!["Actual Rows"]).toBeLessThanOrEqual(51);
      expect(scans[0]!["Rows Removed by Filter"] ?? 0).toBe(0);
    }
  });

  it("a tampered cursor, a cursor from another job, and one from the other filter are INVALID_ARGUMENT", async () => {
    const other = (
      await jobs.createRevokeJob({ scope: { kind: ScopeKind.CONNECTED_ACCOUNT, id: tenant.accountIds[1]! } })
    ).job!.id;
    const [body, mac] = failedCursor.split(".");
    const tamperedBody = Buffer.from(JSON.stringify(["ca_zzzzzzzzzzzzzzzzzzzzzzzzzz"])).toString("base64url");
    const cases = [
      { jobId, filter: ItemFilter.FAILED, cursor: `${tamperedBody}.${mac}` },
      { jobId, filter: ItemFilter.FAILED, cursor: `${body}.${mac![0] === "A" ? "B" : "A"}${mac!.slice(1)}` },
      { jobId, filter: ItemFilter.FAILED, cursor: "garbage" },
      { jobId: other, filter: ItemFilter.FAILED, cursor: failedCursor },
      { jobId, filter: ItemFilter.ALL, cursor: failedCursor },
    ];
    for (const request of cases) {
      const error = ConnectError.from(await jobs.getRevokeJob(request).catch((e: unknown) => e));
      expect(error.code, request.cursor).toBe(Code.InvalidArgument);
      expect(error.rawMessage).toContain("cursor");
    }
  });
});

describe("RetryRevokeJob and CancelRevokeJob", () => {
  it("retry is ALREADY_EXISTS while running, FAILED_PRECONDITION when nothing failed, and re-pends exactly the failed items as run 2 with a plan", async () => {
    const fresh = await createTenant(gateway, "retry", 0);
    const client = connectClient(JobsService, gateway.url, fresh.orgKey);
    const { job } = await client.createRevokeJob({ scope: { kind: ScopeKind.PROJECT, id: fresh.projectId } });
    const jobId = job!.id;
    await planItems(gateway, jobId, 50, fresh.authConfigId);

    const running = ConnectError.from(await client.retryRevokeJob({ jobId }).catch((e: unknown) => e));
    expect(running.code).toBe(Code.AlreadyExists);
    expect(running.findDetails(RevokeJobSchema)[0]?.id).toBe(jobId);

    await finishItems(gateway, jobId, 30, "revoked");
    await finishItems(gateway, jobId, 20, "failed", "invalid_client");
    const failedBefore = (await pageAll(jobId, ItemFilter.FAILED, 7, client)).seen;
    expect(failedBefore).toHaveLength(20);
    await consumePlans(gateway); // drain run-1 plans of every job so far

    const retried = (await client.retryRevokeJob({ jobId })).job!;
    expect(retried.run).toBe(2);
    expect(retried.status).toBe(JobStatus.PLANNING);
    expect(retried.counts).toMatchObject({ total: 50n, revoked: 30n, failed: 0n, pending: 20n });
    const { rows } = await sql<{
      account_id: string;
      status: string;
      run: number;
      attempts: number;
      error_code: string | null;
      published_at: Date | null;
    }>`
      select account_id, status, run, attempts, error_code, published_at from revoke_items
      where job_id = ${jobId} and run = 2 order by account_id`.execute(gateway.deps.db);
    expect(rows.map((r) => r.account_id)).toEqual(failedBefore);
    expect(
      rows.every(
        (r) => r.status === "pending" && r.attempts === 0 && r.error_code === null && r.published_at === null,
      ),
    ).toBe(true);
    const plans = await consumePlans(gateway);
    expect(plans.filter((p) => p.jobId === jobId).map((p) => p.run)).toEqual([2]);

    // While run 2 is in flight a second retry is refused; once it ends with nothing failed, FAILED_PRECONDITION.
    expect(await codeOf(client.retryRevokeJob({ jobId }))).toBe(Code.AlreadyExists);
    await gateway.deps.db
      .updateTable("revoke_jobs")
      .set({ status: "running" })
      .where("id", "=", jobId)
      .execute();
    await finishItems(gateway, jobId, 20, "revoked");
    const done = (await client.getRevokeJob({ jobId })).job!;
    expect(done.status).toBe(JobStatus.COMPLETED);
    expect(done.counts).toMatchObject({ total: 50n, revoked: 50n, failed: 0n, pending: 0n });
    const nothing = ConnectError.from(await client.retryRevokeJob({ jobId }).catch((e: unknown) => e));
    expect(nothing.code).toBe(Code.FailedPrecondition);
  });

  it("cancel marks every pending item CANCELLED with counts adding up, publishes cancelled once, and refuses a second cancel", async () => {
    const fresh = await createTenant(gateway, "cancel", 0);
    const client = connectClient(JobsService, gateway.url, fresh.orgKey);
    const { job } = await client.createRevokeJob({ scope: { kind: ScopeKind.PROJECT, id: fresh.projectId } });
    const jobId = job!.id;
    await planItems(gateway, jobId, 1_000, fresh.authConfigId);
    await finishItems(gateway, jobId, 300, "revoked");
    await finishItems(gateway, jobId, 100, "failed", "server_error");

    const cancelled = (await client.cancelRevokeJob({ jobId })).job!;
    expect(cancelled.status).toBe(JobStatus.CANCELLED);
    expect(cancelled.finishedAt).toBeDefined();
    expect(cancelled.counts).toMatchObject({
      total: 1000n,
      revoked: 300n,
      failed: 100n,
      cancelled: 600n,
      pending: 0n,
    });
    const { rows } = await sql<{ status: string; n: number }>`
      select status, count(*)::int n from revoke_items where job_id = ${jobId} group by status order by status`.execute(
      gateway.deps.db,
    );
    expect(Object.fromEntries(rows.map((r) => [r.status, r.n]))).toEqual({
      cancelled: 600,
      failed: 100,
      revoked: 300,
    });
    // Committed to the outbox with the cancel; the relay publishes it.
    await waitFor(async () => (await eventCount(gateway, jobId, "cancelled")) === 1, {
      message: "the cancelled event in the stream",
    });
    expect(await eventCount(gateway, jobId, "cancelled")).toBe(1);

    const again = ConnectError.from(await client.cancelRevokeJob({ jobId }).catch((e: unknown) => e));
    expect(again.code).toBe(Code.FailedPrecondition);
    // The scope is free again: a new job can start.
    expect(
      await codeOf(client.createRevokeJob({ scope: { kind: ScopeKind.PROJECT, id: fresh.projectId } })),
    ).toBe("ok");
  });

  it("retry of a finished job whose scope has another job in flight is ALREADY_EXISTS carrying that job", async () => {
    const fresh = await createTenant(gateway, "retryclash", 0);
    const client = connectClient(JobsService, gateway.url, fresh.orgKey);
    const scope = { kind: ScopeKind.PROJECT, id: fresh.projectId };
    const first = (await client.createRevokeJob({ scope })).job!.id;
    await planItems(gateway, first, 5, fresh.authConfigId);
    await finishItems(gateway, first, 5, "failed", "server_error");
    const second = (await client.createRevokeJob({ scope })).job!.id;
    const error = ConnectError.from(await client.retryRevokeJob({ jobId: first }).catch((e: unknown) => e));
    expect(error.code).toBe(Code.AlreadyExists);
    expect(error.findDetails(RevokeJobSchema)[0]?.id).toBe(second);
    const unchanged = (await client.getRevokeJob({ jobId: first })).job!;
    expect(unchanged).toMatchObject({ run: 1, status: JobStatus.COMPLETED_WITH_FAILURES });
    expect(unchanged.counts?.failed).toBe(5n);
  });
});

describe("ListRevokeJobs", () => {
  it("pages a tenant's jobs newest first with exact keyset cursors, and a project key sees only its project's jobs", async () => {
    const fresh = await createTenant(gateway, "lister", 12);
    const client = connectClient(JobsService, gateway.url, fresh.orgKey);
    const created: string[] = [];
    for (const accountId of fresh.accountIds) {
      created.push(
        (await client.createRevokeJob({ scope: { kind: ScopeKind.CONNECTED_ACCOUNT, id: accountId } })).job!
          .id,
      );
    }
    created.push((await client.createRevokeJob({ scope: { kind: ScopeKind.ORG, id: fresh.orgId } })).job!.id);
    const seen: string[] = [];
    let cursor = "";
    do {
      const page = await client.listRevokeJobs({ pageSize: 5, cursor });
      seen.push(...page.jobs.map((j) => j.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...created].reverse());

    const projectView = await connectClient(JobsService, gateway.url, fresh.projectKey).listRevokeJobs({
      pageSize: 100,
    });
    expect(projectView.jobs.map((j) => j.id)).toEqual(created.slice(0, 12).reverse());
    const foreign = ConnectError.from(
      await connectClient(JobsService, gateway.url, fresh.projectKey)
        .listRevokeJobs({ pageSize: 5, cursor: (await client.listRevokeJobs({ pageSize: 5 })).nextCursor })
        .catch((e: unknown) => e),
    );
    expect(foreign.code).toBe(Code.InvalidArgument);
  });
});
