import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { createDatabase, dropNamespaceSchema, migrateToLatest } from "@warden/db";
import { newId } from "@warden/ids";
import { AdminService } from "@warden/proto/admin/v1";
import { testNamespace, waitFor } from "@warden/testkit";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditLog } from "./audit-log.js";
import { createRpcServer, type RpcServer } from "./create-rpc-server.js";
import { createHealthReporter } from "./health-reporter.js";
import { createFakeAdminService } from "./test-admin-service.js";
import { createCapturingLogger } from "./test-logger.js";

const namespace = testNamespace("auditlog");
const database = createDatabase({
  url: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
  namespace,
  maxConnections: 2,
});
// A real PostgreSQL client aimed at a port nothing listens on: every write fails.
const deadDatabase = createDatabase({
  url: "postgres://postgres@127.0.0.1:1/postgres",
  namespace,
  maxConnections: 1,
  connectTimeoutMs: 500,
});
const { logger } = createCapturingLogger();
const servers: RpcServer[] = [];

async function serve(audit: ReturnType<typeof createAuditLog>) {
  const server = createRpcServer({
    routes: (router) => router.service(AdminService, createFakeAdminService()),
    logger,
    health: createHealthReporter(),
    audit,
  });
  servers.push(server);
  const port = await server.listen(0, "127.0.0.1");
  return createClient(
    AdminService,
    createConnectTransport({ baseUrl: `http://127.0.0.1:${port}`, httpVersion: "1.1" }),
  );
}

const rows = () => database.db.selectFrom("audit_events").selectAll().execute();

beforeAll(async () => {
  await migrateToLatest(database.db, namespace);
});

afterAll(async () => {
  for (const server of servers) await server.close(500);
  await dropNamespaceSchema(database.db, namespace);
  await database.close();
  await deadDatabase.close();
});

describe("audit log writer", () => {
  it("an audited call whose row cannot be written fails UNAVAILABLE instead of answering unrecorded", async () => {
    const registry = new Registry();
    const audit = createAuditLog({ db: deadDatabase.db, logger, registry, retryMs: 60_000 });
    const client = await serve(audit);
    const error = await client.createOrg({ name: "fine" }).catch(ConnectError.from);
    expect(error).toMatchObject({ code: Code.Unavailable, rawMessage: "audit log unavailable" });
    expect(await registry.getSingleMetricAsString("warden_audit_write_failures_total")).toMatch(
      / [1-9]\d*$/m,
    );
    await audit.close();
  });

  it("an unknown error is recorded as the client sees it (internal error), never with its message", async () => {
    const audit = createAuditLog({ db: database.db, logger });
    const client = await serve(audit);
    await client.createOrg({ name: "boom" }).catch(() => undefined);
    const [row] = (await rows()).filter((r) => r.action === "warden.admin.v1.AdminService/CreateOrg");
    expect(row).toMatchObject({ outcome: "internal", reason: "internal error", actor_kind: "anonymous" });
    expect(JSON.stringify(row)).not.toContain("sk_live_SECRET123");
    await audit.close();
  });

  it("the background queue is bounded: past capacity events are dropped and counted, the rest retried", async () => {
    const registry = new Registry();
    const audit = createAuditLog({ db: deadDatabase.db, logger, registry, capacity: 3, retryMs: 60_000 });
    const event = () => ({
      id: newId("auditEvent"),
      occurred_at: new Date(),
      actor_kind: "anonymous" as const,
      actor_id: null,
      org_id: null,
      action: "warden.jobs.v1.JobsService/ListRevokeJobs",
      object_ids: [],
      outcome: "unauthenticated",
      client_address: "127.0.0.1",
      reason: "missing bearer credential",
    });
    for (let i = 0; i < 10; i++) audit.enqueue(event());
    expect(await registry.getSingleMetricAsString("warden_audit_dropped_total")).toMatch(/ 7$/m);
    await waitFor(async () => /warden_audit_write_failures_total [1-9]/.test(await registry.metrics()), {
      message: "the failed background write to be counted",
    });
    expect(await registry.getSingleMetricAsString("warden_audit_queued")).toMatch(/ 3$/m);
    await audit.close();
  });

  it("queued events are written in the background and close() flushes them", async () => {
    const audit = createAuditLog({ db: database.db, logger });
    const before = (await rows()).length;
    for (let i = 0; i < 700; i++)
      audit.enqueue({
        id: newId("auditEvent"),
        occurred_at: new Date(),
        actor_kind: "anonymous",
        actor_id: null,
        org_id: null,
        action: "warden.jobs.v1.JobsService/ListRevokeJobs",
        object_ids: [],
        outcome: "unauthenticated",
        client_address: "127.0.0.1",
        reason: "",
      });
    await audit.close();
    expect((await rows()).length).toBe(before + 700);
  });

  it("records a NUL in audited text as U+FFFD, and the rows committed with it in one batch are written too", async () => {
    const audit = createAuditLog({ db: database.db, logger });
    const event = (suffix: string, reason: string) => ({
      id: newId("auditEvent"),
      occurred_at: new Date(),
      actor_kind: "operator" as const,
      actor_id: null,
      org_id: null,
      action: "warden.sweeper.v1.SweeperService/RunTask",
      object_ids: [`task\u0000${suffix}`],
      outcome: "not_found",
      client_address: "127.0.0.1",
      reason,
    });
    // Appended in the same turn: one group-committed INSERT for both.
    await Promise.all([
      audit.append(event("hostile", 'unknown task "task\u0000hostile"')),
      audit.append(event("fine", "unknown task")),
    ]);
    const written = (await rows()).filter((r) => r.action === "warden.sweeper.v1.SweeperService/RunTask");
    expect(written.map((r) => r.object_ids[0]).sort()).toEqual(["task\uFFFDfine", "task\uFFFDhostile"]);
    expect(written.find((r) => r.object_ids[0] === "task\uFFFDhostile")?.reason).toBe(
      'unknown task "task\uFFFDhostile"',
    );
    await audit.close();
  });
});
