import { busNames } from "@warden/bus";
import { AccountsService, ClientAuth } from "@warden/proto/accounts/v1";
import { AdminService } from "@warden/proto/admin/v1";
import { JobsService, ScopeKind } from "@warden/proto/jobs/v1";
import { Code } from "@connectrpc/connect";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf, createTenant, JOB_SCOPES } from "./jobs-test-fixtures.js";
import { connectClient } from "./test-clients.js";
import { startTestGateway, type TestGateway } from "./test-gateway.js";

let gateway: TestGateway;
let orgId: string;
let orgKey: string;
const projectIds: string[] = [];
/** Per auth config: what the preview must say. */
const expected = new Map<
  string,
  {
    projectId: string;
    total: number;
    active: number;
    needsReconnect: number;
    revoked: number;
    revokes: boolean;
  }
>();

beforeAll(async () => {
  gateway = await startTestGateway({ label: "dryrun" });
  const admin = connectClient(AdminService, gateway.url, gateway.adminKey);
  orgId = (await admin.createOrg({ name: "dry" })).org!.id;
  orgKey = (await admin.createApiKey({ orgId, scopes: JOB_SCOPES })).apiKey;
  const accounts = connectClient(AccountsService, gateway.url, orgKey);
  const { db } = gateway.deps;
  let n = 0;
  for (let p = 0; p < 3; p++) {
    const projectId = (await admin.createProject({ orgId, name: `p${p}` })).project!.id;
    projectIds.push(projectId);
    for (let c = 0; c < 2; c++) {
      // The second auth config of project 2 cannot revoke at the provider.
      const revokes = !(p === 2 && c === 1);
      const { authConfig } = await accounts.createAuthConfig({
        projectId,
        name: `ac-${p}-${c}`,
        tokenUrl: "https://provider.example.com/token",
        ...(revokes ? { revokeUrl: "https://provider.example.com/revoke" } : {}),
        clientId: "client",
        clientSecret: "client-secret-DRY",
        clientAuth: ClientAuth.BASIC,
      });
      const ids: string[] = [];
      const count = 3 + p + c;
      for (let i = 0; i < count; i++) {
        const { account } = await accounts.createConnectedAccount({
          authConfigId: authConfig!.id,
          externalUserId: `u-${n++}`,
          accessToken: `at-SECRET-${n}`,
          refreshToken: `rt-SECRET-${n}`,
        });
        ids.push(account!.id);
      }
      // ids[0] needs a reconnect (still holds tokens: planned); ids[1] was revoked and wiped (not
      // planned); ids[2] is soft-deleted with its tokens kept for the purge (planned).
      await db
        .updateTable("connected_accounts")
        .set({ status: "needs_reconnect" })
        .where("id", "=", ids[0]!)
        .execute();
      await db
        .updateTable("connected_accounts")
        .set({
          status: "revoked",
          access_token_ciphertext: null,
          refresh_token_ciphertext: null,
          token_key_id: null,
        })
        .where("id", "=", ids[1]!)
        .execute();
      await accounts.deleteConnectedAccount({ accountId: ids[2]! });
      expected.set(authConfig!.id, {
        projectId,
        total: count - 1,
        active: count - 3,
        needsReconnect: 1,
        revoked: 0,
        revokes,
      });
    }
  }
  // A revoked account that somehow kept a token is planned (and counted as revoked).
  const [someConfig, entry] = [...expected.entries()][0]!;
  const { account } = await accounts.createConnectedAccount({
    authConfigId: someConfig,
    externalUserId: "u-revoked-with-token",
    accessToken: "at-SECRET-x",
  });
  await db
    .updateTable("connected_accounts")
    .set({ status: "revoked" })
    .where("id", "=", account!.id)
    .execute();
  entry.total++;
  entry.revoked++;
});

afterAll(async () => {
  await gateway?.close();
});

/** Row count of every table in the run's schema, and message count of every stream of its namespace. */
async function footprint(): Promise<Record<string, number>> {
  const { db, bus } = gateway.deps;
  const { rows: tables } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
     where table_schema = ${gateway.namespace} and table_type = 'BASE TABLE'`.execute(db);
  const counts: Record<string, number> = {};
  for (const { table_name } of tables) {
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from ${sql.table(table_name)}`.execute(db);
    counts[`table:${table_name}`] = rows[0]!.n;
  }
  for (const stream of Object.values(busNames(gateway.namespace).streams)) {
    const info = await bus.jsm.streams.info(stream).catch(() => undefined);
    counts[`stream:${stream}`] = info?.state.messages ?? -1;
  }
  return counts;
}

describe("CreateRevokeJob dry_run", () => {
  it("an org of 3 projects x 2 auth configs: exact counts per auth config, and nothing written anywhere", async () => {
    const jobs = connectClient(JobsService, gateway.url, orgKey);
    const before = await footprint();
    expect(Object.keys(before).filter((k) => k.startsWith("table:")).length).toBeGreaterThan(5);

    const response = await jobs.createRevokeJob({ scope: { kind: ScopeKind.ORG, id: orgId }, dryRun: true });

    expect(response.job).toBeUndefined();
    const preview = response.preview!;
    expect(preview.scope).toMatchObject({ kind: ScopeKind.ORG, id: orgId });
    expect(preview.authConfigs).toHaveLength(6);
    let total = 0;
    for (const row of preview.authConfigs) {
      const want = expected.get(row.authConfigId)!;
      expect(row.projectId).toBe(want.projectId);
      expect(row.name).toMatch(/^ac-\d-\d$/);
      expect({
        total: Number(row.total),
        active: Number(row.active),
        needsReconnect: Number(row.needsReconnect),
        revoked: Number(row.revoked),
        revokes: row.revokesAtProvider,
      }).toEqual({
        total: want.total,
        active: want.active,
        needsReconnect: want.needsReconnect,
        revoked: want.revoked,
        revokes: want.revokes,
      });
      total += want.total;
    }
    expect(Number(preview.totalAccounts)).toBe(total);
    // The only trace a dry run leaves is its audit row: who previewed which scope is
    // exactly what an audit must answer. Nothing else changed.
    const after = await footprint();
    expect(after["table:audit_events"]).toBe(before["table:audit_events"]! + 1);
    expect({ ...after, "table:audit_events": 0 }).toEqual({ ...before, "table:audit_events": 0 });
    const audited = await gateway.deps.db
      .selectFrom("audit_events")
      .select(["action", "outcome"])
      .orderBy("occurred_at", "desc")
      .limit(1)
      .executeTakeFirstOrThrow();
    expect(audited).toEqual({ action: "warden.jobs.v1.JobsService/CreateRevokeJob", outcome: "ok" });
  });

  it("counts exactly what the planner plans: a real job over the same scope plans total_accounts items", async () => {
    const jobs = connectClient(JobsService, gateway.url, orgKey);
    const scope = { kind: ScopeKind.PROJECT, id: projectIds[1]! };
    const { preview } = await jobs.createRevokeJob({ scope, dryRun: true });
    // The planner's rule, run as the planner runs it (revoke-executor planning.repository).
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from connected_accounts
       where project_id = ${projectIds[1]!}
         and (access_token_ciphertext is not null or refresh_token_ciphertext is not null)`.execute(
      gateway.deps.db,
    );
    expect(Number(preview!.totalAccounts)).toBe(rows[0]!.n);
  });

  it("a scope of another tenant is NOT_FOUND, and a project-bound key cannot preview its org", async () => {
    const other = await createTenant(gateway, "other-dry", 1);
    const jobs = connectClient(JobsService, gateway.url, other.orgKey);
    expect(
      await codeOf(jobs.createRevokeJob({ scope: { kind: ScopeKind.ORG, id: orgId }, dryRun: true })),
    ).toBe(Code.NotFound);
    const bound = connectClient(JobsService, gateway.url, other.projectKey);
    expect(
      await codeOf(bound.createRevokeJob({ scope: { kind: ScopeKind.ORG, id: other.orgId }, dryRun: true })),
    ).toBe(Code.NotFound);
  });
});
