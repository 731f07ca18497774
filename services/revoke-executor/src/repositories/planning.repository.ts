import type { BusNames } from "@warden/bus";
import type { Database, RevokeJobRow, ScopeKindColumn } from "@warden/db";
import { jobOutboxEvent } from "@warden/events";
import { enqueueEvents } from "@warden/outbox";
import { sql, type Kysely } from "kysely";
import { indexPlanSettings } from "./index-plan-settings.js";

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
 * transaction: accounts that still hold a token (any status), inserted as
 * pending items (existing ones untouched), with total, pending and plan_cursor
 * moved by exactly what was inserted, only while the job is still planning this
 * run (else nothing is kept). Returns the inserted items, or `done` when the
 * scope is exhausted or the job left planning.
 */
export async function expandNextBatch(
  db: Kysely<Database>,
  job: { id: string; scope_kind: ScopeKindColumn; scope_id: string },
  run: number,
  batchSize: number,
): Promise<{ done: true } | { done: false; inserted: PlannedItem[] }> {
  const column = sql.ref(`a.${SCOPE_COLUMN[job.scope_kind]}`);
  const aborted = new Error("job left planning");
  try {
    return await db.transaction().execute(async (trx) => {
      await sql`select ${indexPlanSettings()}`.execute(trx);
      // The job row is taken last, by `moved`, and held only until the commit: ledger batches of
      // this job (which lock it first) are not held up behind the expansion. Cancel and retry lock
      // the job before its items and never wait on these uncommitted inserts, so this order cannot
      // deadlock with them; a planner that lost the race to a cancel finds no row to move and
      // rolls its inserts back. Two planners of one job (a re-delivered plan) read the same cursor
      // at worst: the second one's inserts conflict, and it moves the counters by zero.
      const { rows } = await sql<{ scanned: number; moved: number; inserted: Array<[string, string]> }>`
        with job as (
          select plan_cursor from revoke_jobs where id = ${job.id} and status = 'planning' and run = ${run}
        ),
        batch as materialized (
          select a.id, a.auth_config_id from connected_accounts as a
           where exists (select 1 from job)
             and ${column} = ${job.scope_id} and a.id > coalesce((select plan_cursor from job), '')
             and (a.access_token_ciphertext is not null or a.refresh_token_ciphertext is not null)
           order by a.id
           limit ${batchSize}
        ),
        inserted as (
          insert into revoke_items (job_id, account_id, auth_config_id, run, status, updated_at)
          select ${job.id}, id, auth_config_id, ${run}, 'pending', now() from batch
          on conflict (job_id, account_id) do nothing
          returning account_id, auth_config_id
        ),
        moved as (
          update revoke_jobs
             set total = total + (select count(*) from inserted),
                 pending = pending + (select count(*) from inserted),
                 plan_cursor = greatest(plan_cursor, (select max(id) from batch)), updated_at = now()
           where id = ${job.id} and status = 'planning' and run = ${run} and exists (select 1 from batch)
          returning 1
        )
        select (select count(*) from batch)::int as scanned, (select count(*) from moved)::int as moved,
               (select coalesce(json_agg(json_build_array(account_id, auth_config_id)), '[]') from inserted) as inserted`.execute(
        trx,
      );
      const row = rows[0]!;
      if (row.scanned === 0) return { done: true };
      if (row.moved === 0) throw aborted;
      return {
        done: false,
        inserted: row.inserted.map(([account_id, auth_config_id]) => ({ account_id, auth_config_id })),
      };
    });
  } catch (error) {
    if (error === aborted) return { done: true };
    throw error;
  }
}

/**
 * Pending items of this run above the job's published_cursor (whose work
 * messages may never have been stored), in account order, after `after`.
 */
export async function unpublishedItems(
  db: Kysely<Database>,
  jobId: string,
  run: number,
  after: string | null,
  limit: number,
): Promise<PlannedItem[]> {
  return db.transaction().execute(async (trx) => {
    await sql`select ${indexPlanSettings()}`.execute(trx);
    const { rows } = await sql<PlannedItem>`
      select i.account_id, i.auth_config_id
        from revoke_jobs as j
        join revoke_items as i on i.job_id = j.id
       where j.id = ${jobId} and i.run = ${run} and i.status = 'pending'
         and i.account_id > greatest(coalesce(j.published_cursor, ''), ${after ?? ""})
       order by i.account_id
       limit ${limit}`.execute(trx);
    return rows;
  });
}

/**
 * Records that every pending item of this run up to `lastAccountId` has its
 * work message stored: one job-row update per published batch. Batches are
 * published in account order, each after the one before, so the cursor only
 * moves past items whose messages are stored. Runs as its own statement, never
 * inside a transaction holding item locks (ledger batches lock the job first).
 */
export async function advancePublishedCursor(
  db: Kysely<Database>,
  jobId: string,
  run: number,
  lastAccountId: string,
): Promise<void> {
  await sql`update revoke_jobs set published_cursor = greatest(published_cursor, ${lastAccountId})
             where id = ${jobId} and run = ${run}`.execute(db);
}

/**
 * Ends planning: planning → running, then running → completed if nothing is
 * pending, in one transaction. Returns the job as it ends up, and whether this
 * call completed it (so exactly one caller writes `completed`, to the outbox in the same transaction).
 */
export async function finishPlanning(
  db: Kysely<Database>,
  names: BusNames,
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
    if (completed.rows[0]) {
      await enqueueEvents(trx, [jobOutboxEvent(names, completed.rows[0], "completed")]);
      return { job: completed.rows[0], completedNow: true };
    }
    const job = await trx.selectFrom("revoke_jobs").selectAll().where("id", "=", jobId).executeTakeFirst();
    return { job, completedNow: false };
  });
}
