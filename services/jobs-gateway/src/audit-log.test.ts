import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { hashSecretToken } from "@warden/crypto";
import { deleteAuditEventsBefore, type AuditEventRow } from "@warden/db";
import { newId } from "@warden/ids";
import { AccountsService } from "@warden/proto/accounts/v1";
import { AdminService } from "@warden/proto/admin/v1";
import { ActorKind, AuditService } from "@warden/proto/audit/v1";
import { JobsService, ScopeKind } from "@warden/proto/jobs/v1";
import { LeasesService } from "@warden/proto/leases/v1";
import { API_SCOPES } from "@warden/auth";
import { actionOf, auditReasonOf } from "@warden/rpc";
import { waitFor } from "@warden/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_SECRET, codeOf, createTenant, type TestTenant } from "./jobs-test-fixtures.js";
import { connectClient } from "./test-clients.js";
import { startTestGateway, type TestGateway } from "./test-gateway.js";

// Every service the gateway serves; each of their RPCs is exercised below.
const GATEWAY_SERVICES: DescService[] = [
  AdminService,
  AccountsService,
  JobsService,
  LeasesService,
  AuditService,
];
const BOGUS_KEY = `wdn_${"x".repeat(43)}`;

let gateway: TestGateway;
let a: TestTenant;
let b: TestTenant;
let auditKeyA: string;
let auditKeyB: string;
let fullKey: string;
const secrets: string[] = [];

const rows = (where: (row: AuditEventRow) => boolean = () => true) =>
  gateway.deps.db
    .selectFrom("audit_events")
    .selectAll()
    .execute()
    .then((all) => all.filter(where));

const keyIdOf = async (secret: string) =>
  (
    await gateway.deps.db
      .selectFrom("api_keys")
      .select("id")
      .where("key_hash", "=", hashSecretToken(secret))
      .executeTakeFirstOrThrow()
  ).id;

/** Calls any RPC of a service with a bearer, whatever its streaming kind, and returns its code. */
async function callAny(service: DescService, method: DescMethod, key: string): Promise<Code | "ok"> {
  const transport = createConnectTransport({
    baseUrl: gateway.url,
    httpVersion: "1.1",
    interceptors: [
      (next) => (req) => {
        req.header.set("authorization", `Bearer ${key}`);
        return next(req);
      },
    ],
  });
  const client = createClient(service, transport) as unknown as Record<string, (input: unknown) => unknown>;
  const call = client[method.localName]!;
  try {
    if (method.methodKind === "client_streaming") await call((async function* () {})());
    else if (method.methodKind === "server_streaming") {
      for await (const _ of call({}) as AsyncIterable<unknown>) break;
    } else await call({});
    return "ok";
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

beforeAll(async () => {
  gateway = await startTestGateway({ label: "audit" });
  a = await createTenant(gateway, "A", 2);
  b = await createTenant(gateway, "B", 1);
  const admin = connectClient(AdminService, gateway.url, gateway.adminKey);
  auditKeyA = (await admin.createApiKey({ orgId: a.orgId, scopes: ["audit:read"] })).apiKey;
  auditKeyB = (await admin.createApiKey({ orgId: b.orgId, scopes: ["audit:read"] })).apiKey;
  fullKey = (await admin.createApiKey({ orgId: a.orgId, scopes: [...API_SCOPES] })).apiKey;
  secrets.push(gateway.adminKey, BOGUS_KEY, CLIENT_SECRET, auditKeyA, auditKeyB, fullKey);
  for (const t of [a, b]) secrets.push(t.orgKey, t.projectKey, t.readOnlyKey);
  for (const name of ["A", "B"])
    for (let i = 0; i < 2; i++) secrets.push(`at-SECRET-${name}-${i}`, `rt-SECRET-${name}-${i}`);
});

afterAll(async () => {
  await gateway?.close();
});

describe("audit log", () => {
  it("every mutating RPC of every gateway service leaves exactly one row, whatever its outcome", async () => {
    const audited = GATEWAY_SERVICES.flatMap((s) => s.methods.filter((m) => auditReasonOf(m)));
    expect(audited.length).toBeGreaterThanOrEqual(15);
    for (const method of audited) {
      const key = method.parent === AdminService ? gateway.adminKey : fullKey;
      const before = (await rows((r) => r.action === actionOf(method))).length;
      const code = await callAny(method.parent, method, key);
      // Fail closed: the row exists by the time the answer arrives.
      const after = await rows((r) => r.action === actionOf(method));
      expect(after.length - before, actionOf(method)).toBe(1);
      const row = after.sort((x, y) => +y.occurred_at - +x.occurred_at)[0]!;
      expect(row.outcome, actionOf(method)).toBe(code === "ok" ? "ok" : codeToString(code));
      expect(row.actor_kind).toBe(method.parent === AdminService ? "operator" : "api_key");
    }
  });

  it("read-only RPCs that succeed leave no row", async () => {
    const before = (await rows()).length;
    const jobs = connectClient(JobsService, gateway.url, fullKey);
    await jobs.listRevokeJobs({});
    await connectClient(AccountsService, gateway.url, a.orgKey).getConnectedAccount({
      accountId: a.accountIds[0]!,
    });
    expect((await rows()).length).toBe(before);
  });

  it("a successful mutation records the actor, its org, the objects it named and created, and the client address", async () => {
    const jobs = connectClient(JobsService, gateway.url, a.orgKey);
    const { job } = await jobs.createRevokeJob({
      scope: { kind: ScopeKind.CONNECTED_ACCOUNT, id: a.accountIds[1]! },
    });
    const [row] = await rows((r) => r.object_ids.includes(job!.id));
    const keyId = await keyIdOf(a.orgKey);
    expect(row).toMatchObject({
      actor_kind: "api_key",
      actor_id: keyId,
      org_id: a.orgId,
      action: "warden.jobs.v1.JobsService/CreateRevokeJob",
      outcome: "ok",
      reason: "",
    });
    expect(row!.object_ids).toEqual(expect.arrayContaining([a.accountIds[1], job!.id]));
    expect(row!.client_address).toMatch(/127\.0\.0\.1/);
  });

  it("every failed authentication, on any RPC, leaves exactly one anonymous row with the client address", async () => {
    const methods = GATEWAY_SERVICES.flatMap((s) => s.methods);
    for (const method of methods)
      expect(await callAny(method.parent, method, BOGUS_KEY), actionOf(method)).toBe(Code.Unauthenticated);
    const anonymous = (r: AuditEventRow) => r.actor_kind === "anonymous";
    await waitFor(async () => (await rows(anonymous)).length >= methods.length, {
      message: "a row for every refused call",
    });
    const refused = await rows(anonymous);
    expect(refused.map((r) => r.action).sort()).toEqual(methods.map(actionOf).sort());
    for (const row of refused) {
      expect(row).toMatchObject({ outcome: "unauthenticated", actor_id: null, org_id: null });
      expect(row.client_address).toMatch(/127\.0\.0\.1/);
    }
  });

  it("a call refused for a missing scope leaves one row naming the key, also for reads", async () => {
    const jobs = connectClient(JobsService, gateway.url, a.readOnlyKey);
    const leases = connectClient(LeasesService, gateway.url, a.readOnlyKey);
    expect(await codeOf(jobs.cancelRevokeJob({ jobId: newId("projectJob") }))).toBe(Code.PermissionDenied);
    expect(await codeOf(leases.listLeases({}))).toBe(Code.PermissionDenied);
    const readOnlyKeyId = await keyIdOf(a.readOnlyKey);
    const deniedByKey = (r: AuditEventRow) =>
      r.outcome === "permission_denied" && r.actor_id === readOnlyKeyId;
    await waitFor(async () => (await rows(deniedByKey)).length >= 2, {
      message: "rows for the two denied calls",
    });
    const denied = await rows(deniedByKey);
    expect(denied.map((r) => r.action).sort()).toEqual([
      "warden.jobs.v1.JobsService/CancelRevokeJob",
      "warden.leases.v1.LeasesService/ListLeases",
    ]);
    for (const row of denied) expect(row).toMatchObject({ actor_kind: "api_key", org_id: a.orgId });
  });

  it("the audit table holds none of the secrets used in this test", async () => {
    const lease = await connectClient(LeasesService, gateway.url, fullKey).checkoutAccount({
      accountId: a.accountIds[0]!,
      holder: "auditor",
      ttl: "1h",
    });
    secrets.push(lease.leaseToken);
    await connectClient(AccountsService, gateway.url, a.orgKey).reconnectAccount({
      accountId: a.accountIds[0]!,
      accessToken: "at-SECRET-reconnect",
      refreshToken: "rt-SECRET-reconnect",
      expiresAt: timestampFromDate(new Date(Date.now() + 60_000)),
    });
    secrets.push("at-SECRET-reconnect", "rt-SECRET-reconnect");
    const dump = await sql<{ row: string }>`select row_to_json(a)::text as row from audit_events a`.execute(
      gateway.deps.db,
    );
    expect(dump.rows.length).toBeGreaterThan(30);
    const text = dump.rows.map((r) => r.row).join("\n");
    const found = secrets.filter((secret) => text.includes(secret) || text.includes(hashSecretToken(secret)));
    expect(found).toEqual([]);
  });

  it("logs name the calling key on each RPC line, never the key itself", async () => {
    const line = gateway.logLines.find((l) => l.includes('"msg":"rpc"') && l.includes('"keyId":"key_'));
    expect(line).toBeDefined();
    expect(gateway.logLines.some((l) => secrets.some((s) => l.includes(s)))).toBe(false);
  });
});

describe("ListAuditEvents", () => {
  it("an audit:read key sees only its own org's events, whatever org_id it asks for", async () => {
    const client = connectClient(AuditService, gateway.url, auditKeyA);
    const seen = [];
    let cursor = "";
    do {
      const page = await client.listAuditEvents({ orgId: b.orgId, pageSize: 7, cursor });
      seen.push(...page.events);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.length).toBeGreaterThan(5);
    expect(new Set(seen.map((e) => e.orgId))).toEqual(new Set([a.orgId]));
    const bObjects = [b.orgId, b.projectId, b.authConfigId, ...b.accountIds];
    expect(seen.filter((e) => e.objectIds.some((id) => bObjects.includes(id)))).toEqual([]);
    // Org B's key, symmetrically, never sees A.
    const fromB = await connectClient(AuditService, gateway.url, auditKeyB).listAuditEvents({
      pageSize: 1000,
    });
    expect(fromB.events.every((e) => e.orgId === b.orgId)).toBe(true);
  });

  it("needs audit:read for an API key; the operator reads every org, or one with org_id", async () => {
    expect(await codeOf(connectClient(AuditService, gateway.url, a.orgKey).listAuditEvents({}))).toBe(
      Code.PermissionDenied,
    );
    const operator = connectClient(AuditService, gateway.url, gateway.adminKey);
    const all = await operator.listAuditEvents({ pageSize: 1000 });
    const orgs = new Set(all.events.map((e) => e.orgId));
    expect(orgs.has(a.orgId) && orgs.has(b.orgId) && orgs.has("")).toBe(true);
    const onlyB = await operator.listAuditEvents({ orgId: b.orgId, pageSize: 1000 });
    expect(onlyB.events.length).toBeGreaterThan(0);
    expect(onlyB.events.every((e) => e.orgId === b.orgId)).toBe(true);
  });

  it("pages newest first without gaps or repeats, and filters by action, actor, object, outcome and time", async () => {
    const operator = connectClient(AuditService, gateway.url, gateway.adminKey);
    const everything = (await operator.listAuditEvents({ pageSize: 1000 })).events;
    const paged = [];
    let cursor = "";
    do {
      const page = await operator.listAuditEvents({ pageSize: 3, cursor });
      paged.push(...page.events);
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged.map((e) => e.id)).toEqual(everything.map((e) => e.id));
    const times = everything.map((e) => Number(e.occurredAt!.seconds) * 1000 + e.occurredAt!.nanos / 1e6);
    expect([...times].sort((x, y) => y - x)).toEqual(times);

    const action = "warden.admin.v1.AdminService/CreateApiKey";
    const byAction = (await operator.listAuditEvents({ action, pageSize: 1000 })).events;
    expect(byAction.length).toBeGreaterThanOrEqual(8);
    expect(byAction.every((e) => e.action === action)).toBe(true);
    expect(byAction.filter((e) => e.actorKind === ActorKind.OPERATOR).length).toBeGreaterThanOrEqual(8);

    const byObject = (await operator.listAuditEvents({ objectId: a.accountIds[0]!, pageSize: 1000 })).events;
    expect(byObject.length).toBeGreaterThan(0);
    expect(byObject.every((e) => e.objectIds.includes(a.accountIds[0]!))).toBe(true);

    const anonymous = (await operator.listAuditEvents({ outcome: "unauthenticated", pageSize: 1000 })).events;
    expect(anonymous.length).toBeGreaterThan(0);
    expect(anonymous.every((e) => e.actorKind === ActorKind.ANONYMOUS)).toBe(true);

    const someKey = everything.find((e) => e.actorKind === ActorKind.API_KEY)!.actorId;
    const byActor = (await operator.listAuditEvents({ actorId: someKey, pageSize: 1000 })).events;
    expect(byActor.length > 0 && byActor.every((e) => e.actorId === someKey)).toBe(true);

    const middle = everything[Math.floor(everything.length / 2)]!.occurredAt!;
    const since = (await operator.listAuditEvents({ since: middle, pageSize: 1000 })).events;
    const until = (await operator.listAuditEvents({ until: middle, pageSize: 1000 })).events;
    expect(since.length + until.length).toBe(everything.length);
  });

  it("refuses a cursor reused with other filters and a since after until, naming the field", async () => {
    const operator = connectClient(AuditService, gateway.url, gateway.adminKey);
    const { nextCursor } = await operator.listAuditEvents({ pageSize: 1 });
    const error = await operator
      .listAuditEvents({ cursor: nextCursor, outcome: "ok" })
      .catch(ConnectError.from);
    expect(error).toMatchObject({ code: Code.InvalidArgument });
    expect((error as ConnectError).rawMessage).toMatch(/^cursor /);
    const later = timestampFromDate(new Date());
    const earlier = timestampFromDate(new Date(Date.now() - 1000));
    const reversed = await operator
      .listAuditEvents({ since: later, until: earlier })
      .catch(ConnectError.from);
    expect((reversed as ConnectError).rawMessage).toMatch(/^until /);
  });
});

describe("append-only", () => {
  it("refuses UPDATE, TRUNCATE and DELETE, and lets retention delete only rows older than its cutoff and a day", async () => {
    const { db } = gateway.deps;
    await expect(sql`update audit_events set outcome = 'ok'`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_events`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`truncate audit_events`.execute(db)).rejects.toThrow(/append-only/);
    const count = async () => (await rows()).length;
    const before = await count();
    // A cutoff in the future still cannot delete anything younger than a day.
    await expect(deleteAuditEventsBefore(db, new Date(Date.now() + 60_000), 1000)).rejects.toThrow(
      /append-only/,
    );
    expect(await count()).toBe(before);

    const old = new Date(Date.now() - 100 * 86_400_000);
    await db
      .insertInto("audit_events")
      .values(
        Array.from({ length: 5 }, () => ({
          id: newId("auditEvent"),
          occurred_at: old,
          actor_kind: "operator" as const,
          actor_id: null,
          org_id: null,
          action: "warden.admin.v1.AdminService/CreateOrg",
          object_ids: [],
          outcome: "ok",
          client_address: "",
          reason: "",
        })),
      )
      .execute();
    expect(await deleteAuditEventsBefore(db, new Date(Date.now() - 90 * 86_400_000), 3)).toBe(3);
    expect(await deleteAuditEventsBefore(db, new Date(Date.now() - 90 * 86_400_000), 3)).toBe(2);
    expect(await count()).toBe(before);
    // The cutoff is transaction-local: outside retention's transaction, DELETE is refused again.
    await expect(sql`delete from audit_events`.execute(db)).rejects.toThrow(/append-only/);
  });
});
