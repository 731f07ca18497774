import type { Database, RevokeJobRow } from "@warden/db";
import { sql, type Kysely, type Transaction } from "kysely";

/** A ledger line planned for publishing. */
export interface PlannedItem {
  account_id: string;
  auth_config_id: string;
}

const SCOPE_COLUMN = {
  org: "org_id",
  project: "project_id",
  auth_config: "auth_config_id",
  connected_account: "id",
} as const;

/** Reads a job. */
export async function findJob(db: Kysely<Database>, jobId: string): Promise<RevokeJobRow | undefined> {
  return db.selectFrom("revoke_jobs").selectAll().where("id", "=", jobId).executeTakeFirst();
}

/**
 * Expands the next batch of the job's scope after its plan_cursor, in one
 * transaction holding the job row: accounts that still hold a token (any
 * status), inserted as pending items (existing ones untouched), with total,
 * pending and plan_cursor moved by exactly what was inserted. Returns the
 * inserted items, or `done` when the scope is exhausted or the job left planning.
 */
export async function expandNextBatch(
  db: Kysely<Database>,
  jobId: string,
  run: number,
  batchSize: number,
): Promise<{ done: true } | { done: false; inserted: PlannedItem[] }> {
  return db.transaction().execute(async (trx) => {
    // The row lock serialises planners of one job (a re-published plan), so each reads the latest cursor.
    const job = await trx
      .selectFrom("revoke_jobs")
      .select(["scope_kind", "scope_id", "plan_cursor", "status", "run"])
      .where("id", "=", jobId)
      .forUpdate()
      .executeTakeFirst();
    if (job === undefined || job.status !== "planning" || job.run !== run) return { done: true };
    const column = SCOPE_COLUMN[job.scope_kind];
    const accounts = await scopeBatch(trx, column, job.scope_id, job.plan_cursor, batchSize);
    if (accounts.length === 0) return { done: true };
    const inserted = await sql<PlannedItem>`
      insert into revoke_items (job_id, account_id, auth_config_id, run, status, published_at, updated_at)
      select ${jobId}, a.id, a.auth_config_id, ${run}, 'pending', null, now()
        from unnest(${accounts.map((a) => a.account_id)}::text[], ${accounts.map((a) => a.auth_config_id)}::text[]) as a(id, auth_config_id)
      on conflict (job_id, account_id) do nothing
      returning account_id, auth_config_id`.execute(trx);
    const count = inserted.rows.length;
    await trx
      .updateTable("revoke_jobs")
      .set((eb) => ({
        total: eb("total", "+", count),
        pending: eb("pending", "+", count),
        plan_cursor: accounts[accounts.length - 1]!.account_id,
        updated_at: new Date(),
      }))
      .where("id", "=", jobId)
      .execute();
    return { done: false, inserted: inserted.rows };
  });
}

async function scopeBatch(
  trx: Transaction<Database>,
  column: (typeof SCOPE_COLUMN)[keyof typeof SCOPE_COLUMN],
  scopeId: string,
  cursor: string | null,
  limit: number,
): Promise<PlannedItem[]> {
  let query = trx
    .selectFrom("connected_accounts")
    .select(["id", "auth_config_id"])
    .where(column, "=", scopeId)
    .where((eb) =>
      eb.or([eb("access_token_ciphertext", "is not", null), eb("refresh_token_ciphertext", "is not", null)]),
    )
    .orderBy("id")
    .limit(limit);
  if (cursor !== null) query = query.where("id", ">", cursor);
  const rows = await query.execute();
  return rows.map((row) => ({ account_id: row.id, auth_config_id: row.auth_config_id }));
}

/** Pending items of this run not yet confirmed published, in account order, after `after`. */
export async function unpublishedItems(
  db: Kysely<Database>,
  jobId: string,
  run: number,
  after: string | null,
  limit: number,
): Promise<PlannedItem[]> {
  let query = db
    .selectFrom("revoke_items")
    .select(["account_id", "auth_config_id"])
    .where("job_id", "=", jobId)
    .where("status", "=", "pending")
    .where("run", "=", run)
    .where("published_at", "is", null)
    .orderBy("account_id")
    .limit(limit);
  if (after !== null) query = query.where("account_id", ">", after);
  return query.execute();
}

/** Records that these items' work messages are stored in JetStream. */
export async function markPublished(
  db: Kysely<Database>,
  jobId: string,
  accountIds: string[],
): Promise<void> {
  if (accountIds.length === 0) return;
  await sql`update revoke_items set published_at = now()
             where job_id = ${jobId} and account_id = any(${accountIds}::text[]) and published_at is null`.execute(
    db,
  );
}

/**
 * Ends planning: planning → running, then running → completed if nothing is
 * pending, in one transaction. Returns the job as it ends up, and whether this
 * call completed it (so exactly one caller publishes `completed`).
 */
export async function finishPlanning(
  db: Kysely<Database>,
  jobId: string,
  run: number,
): Promise<{ job: RevokeJobRow | undefined; completedNow: boolean }> {
  return db.transaction().execute(async (trx) => {
    await sql`update revoke_jobs set status = 'running', updated_at = now()
               where id = ${jobId} and run = ${run} and status = 'planning'`.execute(trx);
    const completed = await sql<RevokeJobRow>`
      update revoke_jobs set status = 'completed', finished_at = now(), updated_at = now()
       where id = ${jobId} and run = ${run} and status = 'running' and pending = 0
      returning *`.execute(trx);
    if (completed.rows[0]) return { job: completed.rows[0], completedNow: true };
    const job = await trx.selectFrom("revoke_jobs").selectAll().where("id", "=", jobId).executeTakeFirst();
    return { job, completedNow: false };
  });
}
