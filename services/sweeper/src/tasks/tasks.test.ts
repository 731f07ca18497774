import { randomBytes } from "node:crypto";
import { createAuthenticator } from "@warden/auth";
import { hashSecretToken, Keyring } from "@warden/crypto";
import { busNames } from "@warden/bus";
import { newId } from "@warden/ids";
import { waitFor } from "@warden/testkit";
import { AccountEventSchema, JobEventSchema } from "@warden/proto/events/v1";
import { RefreshDueSchema, RevokePlanSchema, RevokeWorkItemSchema } from "@warden/proto/work/v1";
import { authConfigRefreshFailureKey } from "@warden/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestInfrastructure, type TestInfrastructure } from "../test-infrastructure.js";
import { createJobsRecoveryTask } from "./jobs-recovery.js";
import { createLeasesExpiryTask } from "./leases-expiry.js";
import { createLedgerRetentionTask } from "./ledger-retention.js";
import { createReconnectDigestTask } from "./reconnect-digest.js";
import { createRefreshAheadTask } from "./refresh-ahead.js";
import { createSecretsPurgeTask } from "./secrets-purge.js";
import type { Notification } from "../notifications/notification.js";
import type { SweeperTask } from "../scheduler/sweeper-task.js";
import type { TaskDeps } from "./task-deps.js";
import {
  capturingDispatcher,
  drainNotificationOutbox,
  runContext,
  seedAccount,
  seedAuthConfig,
  seedTenant,
  streamCount,
  streamMessages,
} from "./test-fixtures.js";

let infra: TestInfrastructure;
let deps: TaskDeps;
const dispatcher = capturingDispatcher();
const MIN = 60_000;
const HOUR = 60 * MIN;

beforeAll(async () => {
  infra = await openTestInfrastructure("tasks");
  deps = {
    db: infra.database.db,
    redis: infra.redis,
    bus: infra.bus,
    names: busNames(infra.namespace),
    notifications: dispatcher,
    keyring: new Keyring([{ id: "test", key: randomBytes(32) }]),
  };
});
afterAll(async () => {
  await infra?.close();
});

describe("jobs-recovery", () => {
  it("republishes stuck items, finalises the drained job with one completed event, and replans a stuck plan", async () => {
    const db = infra.database.db;
    const tenant = await seedTenant(db);
    const accounts = [
      await seedAccount(db, tenant),
      await seedAccount(db, tenant),
      await seedAccount(db, tenant),
    ];
    const jobId = newId("projectJob");
    const longAgo = new Date(Date.now() - 10 * MIN);
    await db
      .insertInto("revoke_jobs")
      .values({
        id: jobId,
        org_id: tenant.orgId,
        project_id: tenant.projectId,
        scope_kind: "project",
        scope_id: tenant.projectId,
        status: "running",
        total: 3,
        pending: 3,
        updated_at: longAgo,
      })
      .execute();
    await db
      .insertInto("revoke_items")
      .values(
        accounts.map((a) => ({
          job_id: jobId,
          account_id: a,
          auth_config_id: tenant.authConfigId,
          run: 1,
          status: "pending" as const,
          published_at: longAgo,
          updated_at: longAgo,
        })),
      )
      .execute();
    const planningId = newId("projectJob");
    await db
      .insertInto("revoke_jobs")
      .values({
        id: planningId,
        org_id: tenant.orgId,
        project_id: tenant.projectId,
        scope_kind: "auth_config",
        scope_id: tenant.authConfigId,
        status: "planning",
        updated_at: longAgo,
      })
      .execute();

    const task = createJobsRecoveryTask(deps, {
      intervalMs: MIN,
      itemTimeoutMs: 5 * MIN,
      planningTimeoutMs: 5 * MIN,
    });
    expect(await task.run(runContext(infra, "1"))).toEqual({ completed: 0, republished: 3, replanned: 1 });
    const items = await streamMessages(
      infra,
      deps.names.streams.revokeItems,
      deps.names.subjects.revokeItem(jobId),
      RevokeWorkItemSchema,
    );
    expect(items.map((i) => i.accountId).sort()).toEqual([...accounts].sort());
    expect(items.every((i) => i.run === 1 && i.authConfigId === tenant.authConfigId)).toBe(true);
    const plans = await streamMessages(
      infra,
      deps.names.streams.revokePlan,
      deps.names.subjects.revokePlan,
      RevokePlanSchema,
    );
    expect(plans.map((p) => p.jobId)).toEqual([planningId]);

    // Nothing is republished again while the stream still holds the job's work, or before the timeout.
    expect(await task.run(runContext(infra, "2"))).toEqual({ completed: 0, republished: 0, replanned: 0 });

    // The executor (simulated: rows as its contract writes them) finishes the items but dies before finalising.
    await infra.bus.jsm.streams.purge(deps.names.streams.revokeItems, {
      filter: deps.names.subjects.revokeItem(jobId),
    });
    await db.updateTable("revoke_items").set({ status: "revoked" }).where("job_id", "=", jobId).execute();
    await db.updateTable("revoke_jobs").set({ pending: 0, revoked: 3 }).where("id", "=", jobId).execute();
    expect(await task.run(runContext(infra, "3"))).toMatchObject({ completed: 1 });
    const job = await db
      .selectFrom("revoke_jobs")
      .selectAll()
      .where("id", "=", jobId)
      .executeTakeFirstOrThrow();
    expect(job.status).toBe("completed");
    expect(job.finished_at).not.toBeNull();
    await waitFor(
      async () =>
        (await streamCount(
          infra,
          deps.names.streams.events,
          deps.names.subjects.jobEvent(jobId, "completed"),
        )) === 1,
      { message: "the completed event in the stream" },
    );
    const completed = await streamMessages(
      infra,
      deps.names.streams.events,
      deps.names.subjects.jobEvent(jobId, "completed"),
      JobEventSchema,
    );
    expect(completed).toHaveLength(1);
    expect(Number(completed[0]!.job!.counts!.revoked)).toBe(3);
    expect(await task.run(runContext(infra, "4"))).toMatchObject({ completed: 0 });
  });
});

describe("refresh-ahead", () => {
  it("publishes refresh.due once per token version for active accounts expiring inside the window only", async () => {
    const db = infra.database.db;
    const tenant = await seedTenant(db);
    const faulty = await seedTenant(db);
    const soon = new Date(Date.now() + MIN);
    const due = await seedAccount(db, tenant, { expires_at: soon });
    const expired = await seedAccount(db, tenant, { expires_at: new Date(Date.now() - MIN) });
    await seedAccount(db, tenant, { expires_at: new Date(Date.now() + HOUR) });
    await seedAccount(db, tenant, { expires_at: soon, status: "needs_reconnect" });
    await seedAccount(db, tenant, { expires_at: soon, deleted_at: new Date() });
    await seedAccount(db, tenant, { expires_at: soon, tokens: false });
    await seedAccount(db, faulty, { expires_at: soon });
    await infra.redis.set(authConfigRefreshFailureKey(faulty.authConfigId), "invalid_client", "EX", 60);

    const task = createRefreshAheadTask(deps, { intervalMs: MIN, windowMs: 5 * MIN });
    expect(await task.run(runContext(infra, "1"))).toEqual({ published: 2, skippedFaulty: 1 });
    expect(await task.run(runContext(infra, "2"))).toEqual({ published: 2, skippedFaulty: 1 });
    const messages = await streamMessages(
      infra,
      deps.names.streams.refreshDue,
      deps.names.subjects.refreshDue,
      RefreshDueSchema,
    );
    // The second run's requests were dropped by the stream as duplicates (same account and token version).
    expect(messages.map((m) => m.accountId).sort()).toEqual([due, expired].sort());

    await db.updateTable("connected_accounts").set({ token_version: 1 }).where("id", "=", due).execute();
    await task.run(runContext(infra, "3"));
    expect(await streamCount(infra, deps.names.streams.refreshDue, deps.names.subjects.refreshDue)).toBe(3);
  });
});

describe("leases-expiry", () => {
  it("expires active leases past expires_at, publishes expired events, and their tokens are refused", async () => {
    const db = infra.database.db;
    const tenant = await seedTenant(db);
    const account = await seedAccount(db, tenant);
    const lease = (status: "active" | "checked_in", expiresAt: Date, token: string) => ({
      id: newId("lease"),
      org_id: tenant.orgId,
      project_id: tenant.projectId,
      account_id: account,
      holder: `agent-${token}`,
      status,
      token_hash: hashSecretToken(token),
      expires_at: expiresAt,
    });
    const past = lease("active", new Date(Date.now() - MIN), "lt_past_SECRET");
    const live = lease("active", new Date(Date.now() + HOUR), "lt_live_SECRET");
    const returned = lease("checked_in", new Date(Date.now() - MIN), "lt_returned_SECRET");
    await db.insertInto("leases").values([past, live, returned]).execute();

    const task = createLeasesExpiryTask(deps, { intervalMs: MIN });
    expect(await task.run(runContext(infra, "1"))).toEqual({ expired: 1 });
    const rows = new Map((await db.selectFrom("leases").selectAll().execute()).map((r) => [r.id, r]));
    expect(rows.get(past.id)).toMatchObject({ status: "expired" });
    expect(rows.get(past.id)!.ended_at).not.toBeNull();
    expect(rows.get(live.id)).toMatchObject({ status: "active", ended_at: null });
    expect(rows.get(returned.id)).toMatchObject({ status: "checked_in" });
    // Committed to the outbox with the expiry; the relay publishes it.
    await waitFor(
      async () =>
        (await streamCount(
          infra,
          deps.names.streams.events,
          deps.names.subjects.leaseEvent(past.id, "expired"),
        )) === 1,
      { message: "the expired event in the stream" },
    );
    expect(await task.run(runContext(infra, "2"))).toEqual({ expired: 0 });

    const authenticate = createAuthenticator({ db, adminKey: undefined, acceptLeaseTokens: true });
    await expect(authenticate("Bearer lt_past_SECRET")).rejects.toThrow(/unknown, revoked or expired/);
    await expect(authenticate("Bearer lt_live_SECRET")).resolves.toMatchObject({
      kind: "lease",
      leaseId: live.id,
    });
  });
});

describe("secrets-purge", () => {
  it("revokes what may still be live upstream, then hard-deletes settled accounts, auth configs and projects", async () => {
    const db = infra.database.db;
    const tenant = await seedTenant(db);
    const twoHoursAgo = new Date(Date.now() - 2 * HOUR);
    const live = await seedAccount(db, tenant, { deleted_at: twoHoursAgo, status: "deleted" });
    const revoked = await seedAccount(db, tenant, {
      deleted_at: twoHoursAgo,
      status: "deleted",
      tokens: false,
      revoked_upstream_at: twoHoursAgo,
    });
    const recent = await seedAccount(db, tenant, {
      deleted_at: new Date(Date.now() - 10 * MIN),
      status: "deleted",
    });
    const kept = await seedAccount(db, tenant);
    const noRevokeUrl = await seedAuthConfig(db, tenant, null);
    const unrevokable = await seedAccount(db, { ...tenant, authConfigId: noRevokeUrl });
    await db
      .updateTable("auth_configs")
      .set({ deleted_at: twoHoursAgo })
      .where("id", "=", noRevokeUrl)
      .execute();
    await db
      .insertInto("leases")
      .values({
        id: newId("lease"),
        org_id: tenant.orgId,
        project_id: tenant.projectId,
        account_id: revoked,
        holder: "h",
        status: "active",
        token_hash: "x1",
        expires_at: new Date(Date.now() + HOUR),
      })
      .execute();
    const emptyProject = newId("project");
    await db
      .insertInto("projects")
      .values({ id: emptyProject, org_id: tenant.orgId, name: "old", deleted_at: twoHoursAgo })
      .execute();
    await db
      .insertInto("api_keys")
      .values({
        id: newId("apiKey"),
        org_id: tenant.orgId,
        project_id: emptyProject,
        scopes: ["jobs:read"],
        key_hash: "kh1",
      })
      .execute();

    const task = createSecretsPurgeTask(deps, { intervalMs: MIN, safetyWindowMs: HOUR });
    expect(await task.run(runContext(infra, "1"))).toEqual({
      jobsStarted: 1,
      accounts: 2,
      authConfigs: 1,
      projects: 1,
    });
    const remaining = (
      await db
        .selectFrom("connected_accounts")
        .select("id")
        .where("project_id", "=", tenant.projectId)
        .execute()
    ).map((r) => r.id);
    expect(remaining.sort()).toEqual([live, recent, kept].sort());
    expect(remaining).not.toContain(unrevokable);
    expect(await db.selectFrom("leases").select("id").where("account_id", "=", revoked).execute()).toEqual(
      [],
    );
    expect(await db.selectFrom("auth_configs").select("id").where("id", "=", noRevokeUrl).execute()).toEqual(
      [],
    );
    expect(await db.selectFrom("projects").select("id").where("id", "=", emptyProject).execute()).toEqual([]);

    const [job] = await db.selectFrom("revoke_jobs").selectAll().where("scope_id", "=", live).execute();
    expect(job).toMatchObject({ scope_kind: "connected_account", status: "planning", force: false, run: 1 });
    const plans = await streamMessages(
      infra,
      deps.names.streams.revokePlan,
      deps.names.subjects.revokePlan,
      RevokePlanSchema,
    );
    expect(plans.some((p) => p.jobId === job!.id && p.run === 1)).toBe(true);
    // While the job is in flight, no second job; the account stays until its grant is confirmed dead.
    expect(await task.run(runContext(infra, "2"))).toMatchObject({ jobsStarted: 0, accounts: 0 });

    // The executor (simulated) revokes it upstream and wipes the ciphertexts: the next run purges the row.
    await db
      .updateTable("connected_accounts")
      .set({
        access_token_ciphertext: null,
        refresh_token_ciphertext: null,
        token_key_id: null,
        revoked_upstream_at: new Date(),
      })
      .where("id", "=", live)
      .execute();
    await db
      .updateTable("revoke_jobs")
      .set({ status: "completed", finished_at: new Date() })
      .where("id", "=", job!.id)
      .execute();
    expect(await task.run(runContext(infra, "3"))).toMatchObject({ jobsStarted: 0, accounts: 1 });
    expect(await db.selectFrom("connected_accounts").select("id").where("id", "=", live).execute()).toEqual(
      [],
    );
  });
});

describe("secrets-purge events", () => {
  it("writes one deleted event (status_reason purged) per hard-deleted account in its delete's transaction, none for kept ones", async () => {
    const db = infra.database.db;
    const tenant = await seedTenant(db);
    const twoHoursAgo = new Date(Date.now() - 2 * HOUR);
    const settled = await seedAccount(db, tenant, {
      deleted_at: twoHoursAgo,
      status: "deleted",
      tokens: false,
    });
    const stillLive = await seedAccount(db, tenant, { deleted_at: twoHoursAgo, status: "deleted" });
    const recent = await seedAccount(db, tenant, {
      deleted_at: new Date(Date.now() - MIN),
      status: "deleted",
    });
    const task = createSecretsPurgeTask(deps, { intervalMs: MIN, safetyWindowMs: HOUR });
    expect(await task.run(runContext(infra, "purge-events"))).toMatchObject({ accounts: 1 });

    const subject = (id: string) => deps.names.subjects.accountEvent(id, "deleted");
    const outboxEmpty = async () =>
      (await db.selectFrom("outbox_batches").select("id").limit(1).execute()).length === 0;
    await waitFor(
      async () =>
        (await outboxEmpty()) && (await streamCount(infra, deps.names.streams.events, subject(settled))) > 0,
      { message: "the purged account's deleted event on the events stream" },
    );
    const events = await streamMessages(
      infra,
      deps.names.streams.events,
      subject(settled),
      AccountEventSchema,
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      accountId: settled,
      orgId: tenant.orgId,
      projectId: tenant.projectId,
      authConfigId: tenant.authConfigId,
      eventId: `account:${settled}:purged`,
      statusReason: "purged",
    });
    for (const kept of [stillLive, recent])
      expect(await streamCount(infra, deps.names.streams.events, subject(kept))).toBe(0);
    // Running again purges nothing new and writes no second event.
    expect(await task.run(runContext(infra, "purge-events-2"))).toMatchObject({ accounts: 0 });
    await waitFor(outboxEmpty, { message: "the outbox to drain" });
    expect(await streamCount(infra, deps.names.streams.events, subject(settled))).toBe(1);
  });
});

describe("ledger-retention", () => {
  it("deletes ledgers of jobs finished before the retention and keeps the rest", async () => {
    const db = infra.database.db;
    const tenant = await seedTenant(db);
    const job = async (status: "completed" | "running" | "cancelled", finishedAgoMs: number | null) => {
      const id = newId("projectJob");
      await db
        .insertInto("revoke_jobs")
        .values({
          id,
          org_id: tenant.orgId,
          scope_kind: "project",
          scope_id: newId("project"),
          status,
          finished_at: finishedAgoMs === null ? null : new Date(Date.now() - finishedAgoMs),
        })
        .execute();
      await db
        .insertInto("revoke_items")
        .values({ job_id: id, account_id: "ca_x", auth_config_id: "ac_x", run: 1, status: "revoked" })
        .execute();
      return id;
    };
    const DAY = 24 * HOUR;
    const old = await job("completed", 31 * DAY);
    const oldCancelled = await job("cancelled", 40 * DAY);
    const young = await job("completed", DAY);
    const running = await job("running", null);
    const task = createLedgerRetentionTask(deps, { intervalMs: HOUR, retentionMs: 30 * DAY });
    expect(await task.run(runContext(infra, "1"))).toEqual({ deleted: 2 });
    const left = (await db.selectFrom("revoke_items").select("job_id").execute()).map((r) => r.job_id);
    expect(left).toContain(young);
    expect(left).toContain(running);
    expect(left).not.toContain(old);
    expect(left).not.toContain(oldCancelled);
    expect(await db.selectFrom("revoke_jobs").select("id").where("id", "=", old).execute()).toHaveLength(1);
  });
});

describe("reconnect-digest", () => {
  // The task writes its notifications to the notification outbox; these tests take them from there.
  const sent: Notification[] = [];
  const run = async (task: SweeperTask, runId: string) => {
    const result = await task.run(runContext(infra, runId));
    sent.push(...(await drainNotificationOutbox(infra.database.db)));
    return result;
  };

  it("sends one aggregated notification for accounts that entered NEEDS_RECONNECT since the last digest", async () => {
    const db = infra.database.db;
    const tenant = await seedTenant(db);
    const task = createReconnectDigestTask(deps, { intervalMs: HOUR });
    await run(task, "0");
    sent.length = 0;
    await seedAccount(db, tenant, { status: "needs_reconnect" });
    await seedAccount(db, tenant, { status: "needs_reconnect" });
    await seedAccount(db, tenant, { status: "active" });
    expect(await run(task, "1")).toEqual({ accounts: 2, authConfigs: 1 });
    expect(sent).toHaveLength(1);
    const [digest] = sent;
    expect(digest).toMatchObject({ kind: "reconnect_digest", metadata: { accounts: 2 } });
    expect(digest!.text).toContain(tenant.authConfigId);
    expect(digest!.idempotencyKey).toMatch(/^reconnect-digest:\d+:ca_\w+$/);
    expect(JSON.stringify(digest)).not.toMatch(/sealed|SECRET/);
    expect(await run(task, "2")).toEqual({ accounts: 0, authConfigs: 0 });
    expect(sent).toHaveLength(1);
  });

  it("reports each rotation_lost account once, in a notification of its own naming the reason, apart from the digest", async () => {
    const db = infra.database.db;
    const tenant = await seedTenant(db);
    const task = createReconnectDigestTask(deps, { intervalMs: HOUR });
    await run(task, "6");
    sent.length = 0;
    const lost = [
      await seedAccount(db, tenant, { status: "needs_reconnect" }),
      await seedAccount(db, tenant, { status: "needs_reconnect" }),
    ];
    const revokedByUser = await seedAccount(db, tenant, { status: "needs_reconnect" });
    await db
      .updateTable("connected_accounts")
      .set({ status_reason: "rotation_lost" })
      .where("id", "in", lost)
      .execute();
    await db
      .updateTable("connected_accounts")
      .set({ status_reason: "invalid_grant" })
      .where("id", "=", revokedByUser)
      .execute();
    expect(await run(task, "7")).toEqual({ accounts: 3, authConfigs: 1 });
    const byKind = (kind: string) => sent.filter((n) => n.kind === kind);
    expect(byKind("reconnect_digest")).toHaveLength(1);
    expect(byKind("reconnect_digest")[0]!.metadata).toMatchObject({
      accounts: 1,
      account_ids: [revokedByUser],
    });
    const perAccount = byKind("refresh_rotation_lost");
    expect(perAccount.map((n) => n.metadata.account_id).sort()).toEqual([...lost].sort());
    for (const notification of perAccount) {
      expect(notification.metadata).toMatchObject({
        status_reason: "rotation_lost",
        auth_config_id: tenant.authConfigId,
      });
      expect(notification.idempotencyKey).toMatch(/^rotation-lost:ca_\w+:\d+$/);
    }
    expect(sent).toHaveLength(3);
    // Claimed once: the next runs report nothing again.
    expect(await run(task, "8")).toEqual({ accounts: 0, authConfigs: 0 });
    expect(sent).toHaveLength(3);
  });

  it("reports an account again when it needs a reconnect again after being reconnected", async () => {
    const db = infra.database.db;
    const tenant = await seedTenant(db);
    const task = createReconnectDigestTask(deps, { intervalMs: HOUR });
    const accountId = await seedAccount(db, tenant, { status: "needs_reconnect" });
    await run(task, "3");
    sent.length = 0;
    const later = new Date(Date.now() + 60_000);
    await db
      .updateTable("connected_accounts")
      .set({ status: "active", status_changed_at: later })
      .where("id", "=", accountId)
      .execute();
    expect(await run(task, "4")).toEqual({ accounts: 0, authConfigs: 0 });
    await db
      .updateTable("connected_accounts")
      .set({ status: "needs_reconnect", status_changed_at: new Date(later.getTime() + 1000) })
      .where("id", "=", accountId)
      .execute();
    expect(await run(task, "5")).toMatchObject({ accounts: 1 });
    expect(sent[0]!.metadata).toMatchObject({ account_ids: [accountId] });
  });
});
