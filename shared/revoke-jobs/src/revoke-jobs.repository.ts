import type { Database, NewRevokeJobRow, RevokeJobRow, ScopeKindColumn } from "@warden/db";
import type { Kysely, Transaction } from "kysely";
import { IN_FLIGHT_JOB_STATUSES } from "./job-status.js";

type Db = Kysely<Database> | Transaction<Database>;

const IN_FLIGHT_INDEX = "revoke_jobs_in_flight_uq";

/** True when `error` is Postgres refusing a second in-flight job for one scope. */
export function isInFlightConflict(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string } | null;
  return e?.code === "23505" && e.constraint === IN_FLIGHT_INDEX;
}

/** Inserts a job; throws the unique violation isInFlightConflict recognises when its scope has one in flight. */
export async function insertRevokeJob(db: Db, row: NewRevokeJobRow): Promise<RevokeJobRow> {
  return db.insertInto("revoke_jobs").values(row).returningAll().executeTakeFirstOrThrow();
}

/** The planning or running job of a scope, if any (at most one, by the unique index). */
export async function findInFlightJob(
  db: Db,
  kind: ScopeKindColumn,
  scopeId: string,
): Promise<RevokeJobRow | undefined> {
  return db
    .selectFrom("revoke_jobs")
    .selectAll()
    .where("scope_kind", "=", kind)
    .where("scope_id", "=", scopeId)
    .where("status", "in", IN_FLIGHT_JOB_STATUSES)
    .executeTakeFirst();
}

/**
 * Starts the next run of a locked, finished job over its failed items only:
 * run + 1, status planning with nothing published yet, failed items back to
 * pending (zero attempts), counters moved by exactly the rows changed; the
 * executor plans the run from here (RetryRevokeJob, then its plan message). Throws the in-flight
 * unique violation when another job of the scope is running.
 */
export async function retryLockedJob(
  trx: Transaction<Database>,
  id: string,
  now: Date,
): Promise<RevokeJobRow> {
  const { run } = await trx
    .updateTable("revoke_jobs")
    .set((eb) => ({
      run: eb("run", "+", 1),
      status: "planning",
      published_cursor: null,
      finished_at: null,
      updated_at: now,
    }))
    .where("id", "=", id)
    .returning("run")
    .executeTakeFirstOrThrow();
  const changed = await trx
    .updateTable("revoke_items")
    .set({
      status: "pending",
      run,
      attempts: 0,
      error_code: null,
      error_message: null,
      error_description: null,
      wiped_locally: false,
      published_at: null,
      updated_at: now,
    })
    .where("job_id", "=", id)
    .where("status", "=", "failed")
    .executeTakeFirst();
  const n = Number(changed.numUpdatedRows);
  return trx
    .updateTable("revoke_jobs")
    .set((eb) => ({ failed: eb("failed", "-", n), pending: eb("pending", "+", n) }))
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}
