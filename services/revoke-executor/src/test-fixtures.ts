// Test support (not a test): seeds tenants, accounts and revoke jobs straight
// into the database, and drives the executor by publishing a RevokePlan, as the
// gateway's JobsService does.
import { randomBytes } from "node:crypto";
import { busNames, publishWork, type Bus } from "@warden/bus";
import { clientSecretAssociatedData, sealAccountTokens, type Keyring } from "@warden/crypto";
import type { Database, RevokeJobRow, ScopeKindColumn } from "@warden/db";
import { newId } from "@warden/ids";
import { RevokePlanSchema } from "@warden/proto/work/v1";
import { waitFor } from "@warden/testkit";
import { sql, type Kysely } from "kysely";

export interface SeededAccount {
  id: string;
  accessToken: string;
  refreshToken: string;
}

export interface SeededProject {
  orgId: string;
  projectId: string;
  authConfigId: string;
  clientSecret: string;
  accounts: SeededAccount[];
}

export interface SeedOptions {
  accounts: number;
  revokeUrl: string | null;
  clientId?: string;
  clientSecret?: string;
  clientAuth?: "basic" | "post";
  responseStyle?: "rfc6749" | "slack";
  /** Reuse an org instead of creating one. */
  orgId?: string;
}

/** Inserts an org (unless given), a project, an auth config and `accounts` accounts holding sealed tokens. */
export async function seedProject(
  db: Kysely<Database>,
  keyring: Keyring,
  options: SeedOptions,
): Promise<SeededProject> {
  const orgId = options.orgId ?? newId("org");
  if (options.orgId === undefined) await db.insertInto("orgs").values({ id: orgId, name: "org" }).execute();
  const projectId = newId("project");
  await db
    .insertInto("projects")
    .values({ id: projectId, org_id: orgId, name: "project", deleted_at: null })
    .execute();
  const authConfigId = newId("authConfig");
  const clientSecret = options.clientSecret ?? "warden-mock-secret";
  const sealedSecret = keyring.seal(clientSecret, clientSecretAssociatedData(authConfigId));
  await db
    .insertInto("auth_configs")
    .values({
      id: authConfigId,
      org_id: orgId,
      project_id: projectId,
      name: "provider",
      token_url: "http://127.0.0.1:1/token",
      revoke_url: options.revokeUrl,
      client_id: options.clientId ?? "warden-mock-client",
      client_secret_ciphertext: sealedSecret.ciphertext,
      client_secret_key_id: sealedSecret.keyId,
      client_auth: options.clientAuth ?? "basic",
      response_style: options.responseStyle ?? "rfc6749",
      default_scopes: [],
      updated_at: new Date(),
      deleted_at: null,
    })
    .execute();
  const accounts: SeededAccount[] = [];
  const tag = randomBytes(4).toString("hex");
  for (let start = 0; start < options.accounts; start += 1000) {
    const rows = [];
    for (let i = start; i < Math.min(options.accounts, start + 1000); i++) {
      const account = {
        id: newId("account"),
        accessToken: `at-${tag}-${i}-${randomBytes(6).toString("hex")}`,
        refreshToken: `rt-${tag}-${i}-${randomBytes(6).toString("hex")}`,
      };
      accounts.push(account);
      const externalUserId = `user-${i}`;
      const sealed = sealAccountTokens(
        keyring,
        { authConfigId, externalUserId },
        { access: account.accessToken, refresh: account.refreshToken },
      );
      rows.push({
        id: account.id,
        org_id: orgId,
        project_id: projectId,
        auth_config_id: authConfigId,
        external_user_id: externalUserId,
        status: "active" as const,
        status_reason: null,
        status_changed_at: new Date(),
        access_token_ciphertext: sealed.access,
        refresh_token_ciphertext: sealed.refresh,
        token_key_id: sealed.keyId,
        expires_at: new Date(Date.now() + 3_600_000),
        last_refreshed_at: null,
        revoked_upstream_at: null,
        updated_at: new Date(),
        deleted_at: null,
      });
    }
    await db.insertInto("connected_accounts").values(rows).execute();
  }
  return { orgId, projectId, authConfigId, clientSecret, accounts };
}

/** Inserts a revoke job in `planning`, as CreateRevokeJob does. */
export async function insertJob(
  db: Kysely<Database>,
  scope: { kind: ScopeKindColumn; id: string; orgId: string; projectId: string | null },
  force = false,
): Promise<string> {
  const id = newId(scope.kind === "org" ? "orgJob" : "projectJob");
  await db
    .insertInto("revoke_jobs")
    .values({
      id,
      org_id: scope.orgId,
      project_id: scope.kind === "org" ? null : scope.projectId,
      scope_kind: scope.kind,
      scope_id: scope.id,
      status: "planning",
      run: 1,
      force,
      plan_cursor: null,
      published_cursor: null,
      updated_at: new Date(),
      finished_at: null,
    })
    .execute();
  return id;
}

/** Inserts a project-scope job for `project` and publishes its plan. */
export async function startProjectJob(
  db: Kysely<Database>,
  bus: Bus,
  namespace: string,
  project: SeededProject,
  force = false,
): Promise<string> {
  const jobId = await insertJob(
    db,
    { kind: "project", id: project.projectId, orgId: project.orgId, projectId: project.projectId },
    force,
  );
  await publishPlan(bus, namespace, jobId, 1);
  return jobId;
}

/** Publishes RevokePlan{job, run}; `msgId` defaults to the gateway's `plan:<job>:<run>`. */
export async function publishPlan(
  bus: Bus,
  namespace: string,
  jobId: string,
  run: number,
  msgId = `plan:${jobId}:${run}`,
): Promise<void> {
  await publishWork(
    bus.js,
    busNames(namespace).subjects.revokePlan,
    RevokePlanSchema,
    { jobId, run },
    { msgId, attempts: 3 },
  );
}

/** Reads a job. */
export async function readJob(db: Kysely<Database>, jobId: string): Promise<RevokeJobRow> {
  return db.selectFrom("revoke_jobs").selectAll().where("id", "=", jobId).executeTakeFirstOrThrow();
}

/** Waits until the job reaches `status`. */
export async function waitForJobStatus(
  db: Kysely<Database>,
  jobId: string,
  status: RevokeJobRow["status"],
  timeoutMs = 60_000,
): Promise<RevokeJobRow> {
  const job = await waitFor(
    async () => {
      const row = await readJob(db, jobId);
      return row.status === status ? row : undefined;
    },
    { message: `job ${jobId} to be ${status}`, timeoutMs, intervalMs: 100 },
  );
  return job!;
}

/** Item counts by status straight from the ledger. */
export async function ledgerCounts(db: Kysely<Database>, jobId: string): Promise<Record<string, number>> {
  const rows = await sql<{ status: string; n: number }>`
    select status, count(*)::int as n from revoke_items where job_id = ${jobId} group by status`.execute(db);
  return Object.fromEntries(rows.rows.map((row) => [row.status, row.n]));
}

/** Asserts, throwing on failure, that the job's counters equal the ledger and add up. */
export async function expectCountsAddUp(db: Kysely<Database>, jobId: string): Promise<RevokeJobRow> {
  const job = await readJob(db, jobId);
  const ledger = await ledgerCounts(db, jobId);
  const counted = {
    pending: ledger.pending ?? 0,
    revoked: ledger.revoked ?? 0,
    failed: ledger.failed ?? 0,
    skipped: ledger.skipped ?? 0,
    cancelled: ledger.cancelled ?? 0,
  };
  const total = Object.values(counted).reduce((a, b) => a + b, 0);
  const fromJob = {
    pending: job.pending,
    revoked: job.revoked,
    failed: job.failed,
    skipped: job.skipped,
    cancelled: job.cancelled,
  };
  if (JSON.stringify(fromJob) !== JSON.stringify(counted) || job.total !== total) {
    throw new Error(
      `counters ${JSON.stringify({ total: job.total, ...fromJob })} differ from ledger ${JSON.stringify({ total, ...counted })}`,
    );
  }
  if (job.pending !== job.total - job.revoked - job.failed - job.skipped - job.cancelled)
    throw new Error("pending does not add up");
  return job;
}
