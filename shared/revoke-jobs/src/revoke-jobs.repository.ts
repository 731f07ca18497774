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

/** Which of a finished job's items a retry takes up again. */
export interface RetryItemsOptions {
  /** Also resume CANCELLED items (a cancelled job's unfinished work). Default: FAILED only. */
  includeCancelled?: boolean;
  /** Only these accounts' items (each already checked to be retryable). Default: every retryable item. */
  accountIds?: readonly string[];
}

/** The item statuses a retry takes up again. */
export function retryableItemStatuses(options: RetryItemsOptions = {}): Array<"failed" | "cancelled"> {
  return options.includeCancelled === true ? ["failed", "cancelled"] : ["failed"];
}

/**
 * Starts the next run of a locked, finished job over its failed items (and,
 * with `includeCancelled`, its cancelled ones; with `accountIds`, only those):
 * run + 1, status planning with nothing published yet, those items back to
 * pending (zero attempts), counters moved by exactly the rows changed; the
 * executor plans the run from here (RetryRevokeJob, then its plan message). Throws the in-flight
 * unique violation when another job of the scope is running.
 */
export async function retryLockedJob(
  trx: Transaction<Database>,
  id: string,
  now: Date,
  options: RetryItemsOptions = {},
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
  const moved = { failed: 0, cancelled: 0 };
  for (const status of retryableItemStatuses(options)) {
    let update = trx
      .updateTable("revoke_items")
      .set({
        status: "pending",
        run,
        attempts: 0,
        error_code: null,
        error_message: null,
        wiped_locally: false,
        published_at: null,
        updated_at: now,
      })
      .where("job_id", "=", id)
      .where("status", "=", status);
    if (options.accountIds !== undefined) {
      if (options.accountIds.length === 0) continue;
      update = update.where("account_id", "in", [...options.accountIds]);
    }
    moved[status] = Number((await update.executeTakeFirst()).numUpdatedRows);
  }
  return trx
    .updateTable("revoke_jobs")
    .set((eb) => ({
      failed: eb("failed", "-", moved.failed),
      cancelled: eb("cancelled", "-", moved.cancelled),
      pending: eb("pending", "+", moved.failed + moved.cancelled),
    }))
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}
