import type { Database, ItemStatusColumn, RevokeItemRow, RevokeJobRow, ScopeKindColumn } from "@warden/db";
import { IN_FLIGHT_JOB_STATUSES } from "@warden/revoke-jobs";
import type { JobListFilters } from "../handlers/job-list-filters.js";
import { sql, type Kysely, type Transaction } from "kysely";

type Db = Kysely<Database> | Transaction<Database>;

/** Where a scope's object lives, for tenant checks and the job's org/project columns. */
export interface ScopePlace {
  orgId: string;
  projectId: string | null;
}

/** A job list filter: an org, optionally narrowed to one project. */
export interface JobTenant {
  orgId: string;
  projectId: string | null;
}

/**
 * The org/project a scope object belongs to, deleted or not: soft-deleted
 * accounts keep their ciphertexts until the purge task runs, so revoking a
 * deleted scope is meaningful.
 */
export async function findScopePlace(
  db: Db,
  kind: ScopeKindColumn,
  id: string,
): Promise<ScopePlace | undefined> {
  switch (kind) {
    case "org": {
      const row = await db.selectFrom("orgs").select("id").where("id", "=", id).executeTakeFirst();
      return row && { orgId: row.id, projectId: null };
    }
    case "project": {
      const row = await db
        .selectFrom("projects")
        .select(["org_id", "id"])
        .where("id", "=", id)
        .executeTakeFirst();
      return row && { orgId: row.org_id, projectId: row.id };
    }
    case "auth_config":
    case "connected_account": {
      const table = kind === "auth_config" ? "auth_configs" : "connected_accounts";
      const row = await db
        .selectFrom(table)
        .select(["org_id", "project_id"])
        .where("id", "=", id)
        .executeTakeFirst();
      return row && { orgId: row.org_id, projectId: row.project_id };
    }
  }
}

/** The job, if it exists. */
export async function findJob(db: Db, id: string): Promise<RevokeJobRow | undefined> {
  return db.selectFrom("revoke_jobs").selectAll().where("id", "=", id).executeTakeFirst();
}

/** A job row with its created_at in exact microseconds (a JS Date would drop them and mis-page). */
export type ListedJobRow = RevokeJobRow & { created_us: string };

/**
 * One keyset page of a tenant's jobs, newest first, on the index
 * (org_id, created_at desc, id desc): as cheap at page 1,000 as at page 1.
 */
export async function listJobs(
  db: Db,
  filter: JobTenant &
    JobListFilters & { after: { createdUs: string; id: string } | undefined; limit: number },
): Promise<ListedJobRow[]> {
  let query = db
    .selectFrom("revoke_jobs")
    .selectAll()
    .select(sql<string>`(extract(epoch from created_at) * 1000000)::bigint::text`.as("created_us"))
    .where("org_id", "=", filter.orgId);
  if (filter.projectId) query = query.where("project_id", "=", filter.projectId);
  // Filters only narrow the walk down the (org_id, created_at, id) index; the keyset stays exact.
  if (filter.status) query = query.where("status", "=", filter.status);
  if (filter.failed === "none") query = query.where("failed", "=", 0);
  if (filter.failed === "some") query = query.where("failed", ">", 0);
  if (filter.scopeKind) query = query.where("scope_kind", "=", filter.scopeKind);
  if (filter.createdAfter) query = query.where("created_at", ">=", filter.createdAfter);
  if (filter.createdBefore) query = query.where("created_at", "<", filter.createdBefore);
  if (filter.after) {
    const { createdUs, id } = filter.after;
    query = query.where(
      sql<boolean>`(created_at, id) < (timestamptz 'epoch' + ${createdUs}::bigint * interval '1 microsecond', ${id})`,
    );
  }
  return query.orderBy("created_at", "desc").orderBy("id", "desc").limit(filter.limit).execute();
}

export type LedgerRow = Pick<
  RevokeItemRow,
  | "account_id"
  | "status"
  | "attempts"
  | "error_code"
  | "error_message"
  | "error_description"
  | "updated_at"
  | "wiped_locally"
  | "auth_config_id"
  | "run"
> & { external_user_id: string | null };

/** Which items of a job a ledger page shows, and where it resumes. */
export interface LedgerPageFilter {
  jobId: string;
  failedOnly: boolean;
  /** Only items in this status. */
  status?: ItemStatusColumn;
  /** Only the items of accounts with this external user id. */
  externalUserId?: string;
  afterAccountId: string | undefined;
  limit: number;
}

/**
 * One keyset page of a job's ledger ordered by account id: the primary key
 * (job_id, account_id) for every item, the partial failed index for failed
 * ones, the accounts' external-user index for one user — never OFFSET, so item
 * 1,000,000 costs what item 1 does. External user ids are read for the page's
 * rows only (one primary-key probe each), so the page query keeps its plan.
 */
export async function listItems(db: Kysely<Database>, filter: LedgerPageFilter): Promise<LedgerRow[]> {
  const rows = await db.transaction().execute(async (trx) => {
    await preferIndexOrder(trx);
    return itemsPageQuery(trx, filter).execute();
  });
  if (rows.length === 0) return [];
  const users = await db
    .selectFrom("connected_accounts")
    .select(["id", "external_user_id"])
    .where(
      "id",
      "in",
      rows.map((row) => row.account_id),
    )
    .execute();
  const byId = new Map(users.map((user) => [user.id, user.external_user_id]));
  return rows.map((row) => ({ ...row, external_user_id: byId.get(row.account_id) ?? null }));
}

/**
 * Keeps a page query on its index's order. A freshly planned job's item count
 * is unknown to the planner's statistics until the next ANALYZE, and with a
 * low estimate it picks bitmap scan + sort, which reads every remaining item
 * of the job for one page. Disabling sort for this transaction only leaves the
 * ordered index scan, whose cost is the page size whatever the statistics say.
 */
export async function preferIndexOrder(trx: Transaction<Database>): Promise<void> {
  await sql`set local enable_sort = off`.execute(trx);
}

/** The query listItems runs, exposed so a test can EXPLAIN it. */
export function itemsPageQuery(db: Db, filter: LedgerPageFilter) {
  let query = db
    .selectFrom("revoke_items as i")
    .select([
      "i.account_id",
      "i.status",
      "i.attempts",
      "i.error_code",
      "i.error_message",
      "i.error_description",
      "i.updated_at",
      "i.wiped_locally",
      "i.auth_config_id",
      "i.run",
    ])
    .where("i.job_id", "=", filter.jobId);
  // is_failed (status = 'failed') has a partial index: the page reads only failed rows.
  if (filter.failedOnly || filter.status === "failed") query = query.where("i.is_failed", "=", true);
  else if (filter.status) query = query.where("i.status", "=", filter.status);
  if (filter.externalUserId !== undefined) {
    // Driven by the accounts' (external_user_id, id) index, in id order: a user has a handful of
    // accounts, each probed in the items' primary key, whatever the job's size.
    return query
      .innerJoin("connected_accounts as a", "a.id", "i.account_id")
      .where("a.external_user_id", "=", filter.externalUserId)
      .$if(filter.afterAccountId !== undefined, (q) => q.where("a.id", ">", filter.afterAccountId!))
      .orderBy("a.id")
      .limit(filter.limit);
  }
  if (filter.afterAccountId) query = query.where("i.account_id", ">", filter.afterAccountId);
  return query.orderBy("i.account_id").limit(filter.limit);
}

/** Locks the job row for a state change; callers hold it for their whole transaction. */
export async function lockJob(trx: Transaction<Database>, id: string): Promise<RevokeJobRow | undefined> {
  return trx.selectFrom("revoke_jobs").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

/**
 * Cancels a locked in-flight job: its pending items become cancelled and the
 * counters move by exactly the rows changed, in this transaction.
 */
export async function cancelLockedJob(
  trx: Transaction<Database>,
  id: string,
  now: Date,
): Promise<RevokeJobRow> {
  const changed = await trx
    .updateTable("revoke_items")
    .set({ status: "cancelled", updated_at: now })
    .where("job_id", "=", id)
    .where("status", "=", "pending")
    .executeTakeFirst();
  const n = Number(changed.numUpdatedRows);
  return trx
    .updateTable("revoke_jobs")
    .set((eb) => ({
      status: "cancelled",
      finished_at: now,
      updated_at: now,
      cancelled: eb("cancelled", "+", n),
      pending: eb("pending", "-", n),
    }))
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Pending items per auth config over a tenant's in-flight jobs. */
export async function pendingByAuthConfig(
  db: Db,
  tenant: JobTenant | null,
): Promise<{ authConfigId: string; pending: number }[]> {
  let query = db
    .selectFrom("revoke_items as i")
    .innerJoin("revoke_jobs as j", "j.id", "i.job_id")
    .select(["i.auth_config_id as authConfigId", sql<number>`count(*)::int`.as("pending")])
    .where("j.status", "in", IN_FLIGHT_JOB_STATUSES)
    .where("i.status", "=", "pending");
  if (tenant) query = query.where("j.org_id", "=", tenant.orgId);
  if (tenant?.projectId) query = query.where("j.project_id", "=", tenant.projectId);
  return query.groupBy("i.auth_config_id").execute();
}

/** Total pending over a tenant's in-flight jobs, from the job counters. */
export async function pendingOfInFlightJobs(db: Db, tenant: JobTenant | null): Promise<number> {
  let query = db
    .selectFrom("revoke_jobs")
    .select(sql<string>`coalesce(sum(pending), 0)::text`.as("pending"))
    .where("status", "in", IN_FLIGHT_JOB_STATUSES);
  if (tenant) query = query.where("org_id", "=", tenant.orgId);
  if (tenant?.projectId) query = query.where("project_id", "=", tenant.projectId);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.pending);
}

/** The subset of `ids` naming auth configs in the tenant (all of them for null). */
export async function authConfigsInTenant(
  db: Db,
  tenant: JobTenant | null,
  ids: string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  let query = db.selectFrom("auth_configs").select("id").where("id", "in", ids);
  if (tenant) query = query.where("org_id", "=", tenant.orgId);
  if (tenant?.projectId) query = query.where("project_id", "=", tenant.projectId);
  return new Set((await query.execute()).map((r) => r.id));
}
