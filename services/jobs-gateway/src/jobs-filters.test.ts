import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { newId } from "@warden/ids";
import { ItemStatus, JobsService, JobStatus, ScopeKind } from "@warden/proto/jobs/v1";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant, planItems, type TestTenant } from "./jobs-test-fixtures.js";
import { itemsPageQuery, preferIndexOrder } from "./repositories/jobs.repository.js";
import { connectClient } from "./test-clients.js";
import { startTestGateway, type TestGateway } from "./test-gateway.js";

let gateway: TestGateway;
let tenant: TestTenant;

beforeAll(async () => {
  gateway = await startTestGateway({ label: "jobfilters" });
  tenant = await createTenant(gateway, "filters", 6);
});

afterAll(async () => {
  await gateway?.close();
});

type PlanNode = { "Node Type": string; "Actual Rows": number; Plans?: PlanNode[] };
const flatten = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(flatten)];

describe("GetRevokeJob ledger filters and columns", () => {
  it("items carry external user id, auth config, run and the provider's description; status and external user filters page exactly", async () => {
    const jobs = connectClient(JobsService, gateway.url, tenant.orgKey);
    const { job } = await jobs.createRevokeJob({ scope: { kind: ScopeKind.PROJECT, id: tenant.projectId } });
    const jobId = job!.id;
    const { db } = gateway.deps;
    // The tenant's 6 real accounts (user-0 … user-5), then 5,000 more items so the job is not tiny.
    const statuses = ["failed", "revoked", "failed", "skipped", "failed", "pending"] as const;
    await db
      .insertInto("revoke_items")
      .values(
        tenant.accountIds.map((accountId, i) => ({
          job_id: jobId,
          account_id: accountId,
          auth_config_id: tenant.authConfigId,
          run: 1,
          status: statuses[i]!,
          attempts: 1,
          error_code: statuses[i] === "failed" ? "invalid_grant" : null,
          error_message: statuses[i] === "failed" ? "the provider refused the revocation" : null,
          error_description: statuses[i] === "failed" ? `token for user-${i} is unknown` : null,
          updated_at: new Date(),
        })),
      )
      .execute();
    await planItems(gateway, jobId, 5_000, tenant.authConfigId);
    await sql`analyze revoke_items`.execute(db);

    const failed = await jobs.getRevokeJob({ jobId, itemStatus: ItemStatus.FAILED, pageSize: 50 });
    expect(failed.items.map((item) => item.externalUserId).sort()).toEqual(["user-0", "user-2", "user-4"]);
    for (const item of failed.items) {
      expect(item).toMatchObject({
        status: ItemStatus.FAILED,
        authConfigId: tenant.authConfigId,
        run: 1,
        errorCode: "invalid_grant",
        errorDescription: `token for ${item.externalUserId} is unknown`,
      });
    }

    const one = await jobs.getRevokeJob({ jobId, externalUserId: "user-3" });
    expect(one.items).toHaveLength(1);
    expect(one.items[0]).toMatchObject({ externalUserId: "user-3", status: ItemStatus.SKIPPED });
    expect(
      (await jobs.getRevokeJob({ jobId, externalUserId: "user-3", itemStatus: ItemStatus.FAILED })).items,
    ).toEqual([]);

    // Paging one item at a time through a filter visits each matching item exactly once.
    const seen: string[] = [];
    let cursor = "";
    do {
      const page = await jobs.getRevokeJob({ jobId, itemStatus: ItemStatus.FAILED, pageSize: 1, cursor });
      seen.push(...page.items.map((item) => item.connectedAccountId));
      cursor = page.nextCursor;
    } while (cursor !== "");
    expect(seen).toEqual(failed.items.map((item) => item.connectedAccountId));

    // A cursor of one filter is refused by another.
    const first = await jobs.getRevokeJob({ jobId, itemStatus: ItemStatus.FAILED, pageSize: 1 });
    const error = ConnectError.from(
      await jobs
        .getRevokeJob({ jobId, itemStatus: ItemStatus.REVOKED, cursor: first.nextCursor })
        .catch((e: unknown) => e),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    const badStatus = ConnectError.from(
      await jobs.getRevokeJob({ jobId, itemStatus: 42 as ItemStatus }).catch((e: unknown) => e),
    );
    expect(badStatus.code).toBe(Code.InvalidArgument);
    expect(badStatus.rawMessage).toContain("item_status");

    // The external-user page reads that user's accounts only, not the job's 5,006 items.
    const [{ "QUERY PLAN": plan }] = (await db.transaction().execute(async (trx) => {
      await preferIndexOrder(trx);
      return itemsPageQuery(trx, {
        jobId,
        failedOnly: false,
        externalUserId: "user-3",
        afterAccountId: undefined,
        limit: 51,
      }).explain("json", sql`analyze`);
    })) as unknown as [{ "QUERY PLAN": [{ Plan: PlanNode }] }];
    const nodes = flatten(plan[0].Plan);
    expect(nodes.map((n) => n["Node Type"])).not.toContain("Sort");
    for (const scan of nodes.filter((n) => n["Node Type"].includes("Scan"))) {
      expect(scan["Node Type"]).toMatch(/Index/);
      expect(scan["Actual Rows"]).toBeLessThanOrEqual(2);
    }
  });
});

describe("ListRevokeJobs filters", () => {
  it("status (COMPLETED_WITH_FAILURES apart from COMPLETED), scope kind and creation dates filter, and keyset paging stays exact", async () => {
    const fresh = await createTenant(gateway, "listfilters", 0);
    const jobs = connectClient(JobsService, gateway.url, fresh.orgKey);
    const { db } = gateway.deps;
    const base = Date.UTC(2026, 10, 1);
    const shapes = [
      { status: "completed", failed: 0, kind: "project" },
      { status: "completed", failed: 3, kind: "project" },
      { status: "cancelled", failed: 0, kind: "auth_config" },
      { status: "completed", failed: 1, kind: "auth_config" },
      { status: "running", failed: 0, kind: "connected_account" },
      { status: "completed", failed: 2, kind: "project" },
    ] as const;
    const ids: string[] = [];
    for (const [i, shape] of shapes.entries()) {
      const id = newId("projectJob");
      ids.push(id);
      await db
        .insertInto("revoke_jobs")
        .values({
          id,
          org_id: fresh.orgId,
          project_id: fresh.projectId,
          scope_kind: shape.kind,
          // Distinct scopes: only one job per scope may be in flight.
          scope_id: `${shape.kind}-${i}`,
          status: shape.status,
          failed: shape.failed,
          total: 10,
          plan_cursor: null,
          published_cursor: null,
          created_at: new Date(base + i * 86_400_000),
          updated_at: new Date(),
          finished_at: null,
        })
        .execute();
    }
    const list = async (request: Parameters<typeof jobs.listRevokeJobs>[0]) => {
      const got: string[] = [];
      let cursor = "";
      do {
        const page = await jobs.listRevokeJobs({ ...request, pageSize: 1, cursor });
        got.push(...page.jobs.map((j) => j.id));
        cursor = page.nextCursor;
      } while (cursor !== "");
      return got;
    };
    const newestFirst = (picked: number[]) => picked.sort((a, b) => b - a).map((i) => ids[i]!);

    expect(await list({ status: JobStatus.COMPLETED_WITH_FAILURES })).toEqual(newestFirst([1, 3, 5]));
    expect(await list({ status: JobStatus.COMPLETED })).toEqual(newestFirst([0]));
    expect(await list({ status: JobStatus.CANCELLED })).toEqual(newestFirst([2]));
    expect(await list({ scopeKind: ScopeKind.AUTH_CONFIG })).toEqual(newestFirst([2, 3]));
    expect(
      await list({
        createdAfter: timestampFromDate(new Date(base + 86_400_000)),
        createdBefore: timestampFromDate(new Date(base + 4 * 86_400_000)),
      }),
    ).toEqual(newestFirst([1, 2, 3]));
    expect(await list({ status: JobStatus.COMPLETED_WITH_FAILURES, scopeKind: ScopeKind.PROJECT })).toEqual(
      newestFirst([1, 5]),
    );
    expect(await list({})).toEqual(newestFirst([0, 1, 2, 3, 4, 5]));

    const page = await jobs.listRevokeJobs({ status: JobStatus.COMPLETED_WITH_FAILURES, pageSize: 1 });
    const error = ConnectError.from(
      await jobs
        .listRevokeJobs({ status: JobStatus.CANCELLED, cursor: page.nextCursor })
        .catch((e: unknown) => e),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    for (const [field, request] of [
      ["status", { status: 77 as JobStatus }],
      ["scope_kind", { scopeKind: 9 as ScopeKind }],
      [
        "created_before",
        {
          createdAfter: timestampFromDate(new Date(base + 86_400_000)),
          createdBefore: timestampFromDate(new Date(base)),
        },
      ],
    ] as const) {
      const bad = ConnectError.from(await jobs.listRevokeJobs(request).catch((e: unknown) => e));
      expect(bad.code, field).toBe(Code.InvalidArgument);
      expect(bad.rawMessage, field).toContain(field);
    }
  });
});
