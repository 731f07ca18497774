// Test support (not a test): tenants with job-scoped keys, and a stand-in for
// the revoke-executor that moves ledger rows and counters exactly as the
// revoke contract says (same transaction, by rows actually changed) and
// publishes the job events it would.
import { fromBinary } from "@bufbuild/protobuf";
import type { Code } from "@connectrpc/connect";
import { ConnectError } from "@connectrpc/connect";
import { busNames, ensureWorkConsumer, publishEvent, type JobEventKind } from "@warden/bus";
import type { ItemStatusColumn } from "@warden/db";
import { jobEventOf } from "@warden/events";
import { newId } from "@warden/ids";
import { AccountsService, ClientAuth } from "@warden/proto/accounts/v1";
import { AdminService } from "@warden/proto/admin/v1";
import { JobEventSchema } from "@warden/proto/events/v1";
import { RevokePlanSchema, type RevokePlan } from "@warden/proto/work/v1";
import { sql } from "kysely";
import { findJob } from "./repositories/jobs.repository.js";
import { connectClient } from "./test-clients.js";
import type { TestGateway } from "./test-gateway.js";

export const JOB_SCOPES = ["jobs:read", "jobs:write", "accounts:read", "accounts:write"];
export const CLIENT_SECRET = "client-secret-JOBS-7d1e";

export interface TestTenant {
  orgId: string;
  projectId: string;
  otherProjectId: string;
  orgKey: string;
  projectKey: string;
  readOnlyKey: string;
  authConfigId: string;
  accountIds: string[];
}

/** An org with two projects, keys (org-wide, project-bound, read-only), an auth config and `accounts` accounts. */
export async function createTenant(gateway: TestGateway, name: string, accounts = 3): Promise<TestTenant> {
  const admin = connectClient(AdminService, gateway.url, gateway.adminKey);
  const orgId = (await admin.createOrg({ name })).org!.id;
  const projectId = (await admin.createProject({ orgId, name: "p0" })).project!.id;
  const otherProjectId = (await admin.createProject({ orgId, name: "p1" })).project!.id;
  const orgKey = (await admin.createApiKey({ orgId, scopes: JOB_SCOPES })).apiKey;
  const projectKey = (await admin.createApiKey({ orgId, projectId, scopes: JOB_SCOPES })).apiKey;
  const readOnlyKey = (await admin.createApiKey({ orgId, scopes: ["jobs:read"] })).apiKey;
  const client = connectClient(AccountsService, gateway.url, orgKey);
  const { authConfig } = await client.createAuthConfig({
    projectId,
    name: "provider",
    tokenUrl: "https://provider.example.com/token",
    revokeUrl: "https://provider.example.com/revoke",
    clientId: "client",
    clientSecret: CLIENT_SECRET,
    clientAuth: ClientAuth.BASIC,
  });
  const accountIds: string[] = [];
  for (let i = 0; i < accounts; i++) {
    const { account } = await client.createConnectedAccount({
      authConfigId: authConfig!.id,
      externalUserId: `user-${i}`,
      accessToken: `at-SECRET-${name}-${i}`,
      refreshToken: `rt-SECRET-${name}-${i}`,
    });
    accountIds.push(account!.id);
  }
  return {
    orgId,
    projectId,
    otherProjectId,
    orgKey,
    projectKey,
    readOnlyKey,
    authConfigId: authConfig!.id,
    accountIds,
  };
}

/** The gRPC code of a rejected call, or "ok". */
export async function codeOf(promise: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

/** Publishes a job event the way the executor would, from the job's committed row. */
export async function publishJobEvent(
  gateway: TestGateway,
  jobId: string,
  kind: JobEventKind,
): Promise<void> {
  const job = (await findJob(gateway.deps.db, jobId))!;
  await publishEvent(
    gateway.deps.bus.js,
    busNames(gateway.namespace).subjects.jobEvent(jobId, kind),
    JobEventSchema,
    jobEventOf(job),
  );
}

/** The planner's part: `count` pending items for the job's current run (random account ids), then running. */
export async function planItems(gateway: TestGateway, jobId: string, count: number, authConfigId: string) {
  const { db } = gateway.deps;
  await db.transaction().execute(async (trx) => {
    const job = (await trx
      .selectFrom("revoke_jobs")
      .select("run")
      .where("id", "=", jobId)
      .executeTakeFirstOrThrow())!;
    for (let i = 0; i < count; i += 5000) {
      const rows = Array.from({ length: Math.min(5000, count - i) }, () => ({
        job_id: jobId,
        account_id: newId("account"),
        auth_config_id: authConfigId,
        run: job.run,
        status: "pending" as const,
        published_at: new Date(),
      }));
      const inserted = await trx
        .insertInto("revoke_items")
        .values(rows)
        .onConflict((oc) => oc.doNothing())
        .execute();
      const n = inserted.reduce((sum, r) => sum + Number(r.numInsertedOrUpdatedRows ?? 0n), 0);
      await trx
        .updateTable("revoke_jobs")
        .set((eb) => ({ total: eb("total", "+", n), pending: eb("pending", "+", n), updated_at: new Date() }))
        .where("id", "=", jobId)
        .execute();
    }
    await trx.updateTable("revoke_jobs").set({ status: "running" }).where("id", "=", jobId).execute();
  });
}

/**
 * The executor's final write for up to `count` pending items: status moves
 * only where the row was still pending, counters by the rows changed; then
 * completes the job if nothing is pending.
 */
export async function finishItems(
  gateway: TestGateway,
  jobId: string,
  count: number,
  status: Exclude<ItemStatusColumn, "pending" | "cancelled">,
  errorCode: string | null = null,
): Promise<number> {
  const { db } = gateway.deps;
  const column = status;
  return db.transaction().execute(async (trx) => {
    const picked = await trx
      .selectFrom("revoke_items")
      .select("account_id")
      .where("job_id", "=", jobId)
      .where("status", "=", "pending")
      .orderBy("account_id")
      .limit(count)
      .execute();
    if (picked.length === 0) return 0;
    const { rows } = await sql<{ account_id: string }>`
      update revoke_items set status = ${status}, attempts = attempts + 1, error_code = ${errorCode},
        error_message = ${errorCode ? "provider said no" : null}, updated_at = now()
      where job_id = ${jobId} and status = 'pending' and account_id = any(${picked.map((r) => r.account_id)}::text[])
      returning account_id`.execute(trx);
    const n = rows.length;
    await trx
      .updateTable("revoke_jobs")
      .set((eb) => ({ [column]: eb(column, "+", n), pending: eb("pending", "-", n), updated_at: new Date() }))
      .where("id", "=", jobId)
      .execute();
    await trx
      .updateTable("revoke_jobs")
      .set({ status: "completed", finished_at: new Date() })
      .where("id", "=", jobId)
      .where("status", "=", "running")
      .where("pending", "=", 0)
      .execute();
    return n;
  });
}

/** Drains the plan stream through a durable consumer (as the planner would), acking every message. */
export async function consumePlans(gateway: TestGateway): Promise<RevokePlan[]> {
  const names = busNames(gateway.namespace);
  const durable = "TEST_PLANNER";
  const { bus } = gateway.deps;
  await ensureWorkConsumer(bus.jsm, names.streams.revokePlan, durable, {
    ackWaitMs: 30_000,
    maxDeliver: -1,
    maxAckPending: 10_000,
  });
  const consumer = await bus.js.consumers.get(names.streams.revokePlan, durable);
  const plans: RevokePlan[] = [];
  for (;;) {
    const batch = await consumer.fetch({ max_messages: 1000, expires: 1000 });
    let got = 0;
    for await (const message of batch) {
      plans.push(fromBinary(RevokePlanSchema, message.data));
      message.ack();
      got++;
    }
    if (got === 0) return plans;
  }
}

/** How many events the events stream holds on one subject. */
export async function eventCount(gateway: TestGateway, jobId: string, kind: JobEventKind): Promise<number> {
  const names = busNames(gateway.namespace);
  const subject = names.subjects.jobEvent(jobId, kind);
  const info = await gateway.deps.bus.jsm.streams.info(names.streams.events, { subjects_filter: subject });
  const subjects = (info.state.subjects ?? {}) as Record<string, number>;
  return subjects[subject] ?? 0;
}
