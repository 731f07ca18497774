import type { Database, SweeperTaskRow } from "@warden/db";
import { sql, type Kysely } from "kysely";

/** How a run ended, as stored. */
export type StoredOutcome = "success" | "failure" | "aborted";

const ERROR_MAX = 500;

/** Makes sure the task has its status row (idempotent, safe from every replica). */
export async function ensureTaskRow(db: Kysely<Database>, task: string): Promise<void> {
  await db
    .insertInto("sweeper_tasks")
    .values({ name: task })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
}

/** The status rows of the given tasks. */
export async function readTaskRows(db: Kysely<Database>, tasks: string[]): Promise<SweeperTaskRow[]> {
  if (tasks.length === 0) return [];
  return db.selectFrom("sweeper_tasks").selectAll().where("name", "in", tasks).execute();
}

/** The task's backoff deadline, if a failure set one that is still in the future. */
export async function backoffUntil(db: Kysely<Database>, task: string): Promise<Date | undefined> {
  const row = await db
    .selectFrom("sweeper_tasks")
    .select("retry_at")
    .where("name", "=", task)
    .where("retry_at", ">", sql<Date>`now()`)
    .executeTakeFirst();
  return row?.retry_at ?? undefined;
}

/**
 * Claims the task's slot for `leader`: true if this replica may run it. A slot
 * runs once; it is claimable again only after a retryable failure (the
 * backoff deadline is checked before). The primary key makes this hold
 * across replicas whatever their clocks and timers do.
 */
export async function claimSlot(
  db: Kysely<Database>,
  task: string,
  slot: number,
  leader: string,
): Promise<boolean> {
  const row = await db
    .insertInto("sweeper_task_runs")
    .values({ task, slot, leader, outcome: "running" })
    .onConflict((oc) =>
      oc
        .columns(["task", "slot"])
        .doUpdateSet({
          attempt: sql`sweeper_task_runs.attempt + 1`,
          leader,
          outcome: "running",
          error: null,
          started_at: sql`now()`,
          finished_at: null,
        })
        .where("sweeper_task_runs.outcome", "in", ["failure", "aborted"])
        .where("sweeper_task_runs.retryable", "=", true),
    )
    .returning("attempt")
    .executeTakeFirst();
  if (row === undefined) return false;
  await db.updateTable("sweeper_tasks").set({ last_leader: leader }).where("name", "=", task).execute();
  return true;
}

/** Records the end of a slot's run on the ledger row. */
export async function finishSlot(
  db: Kysely<Database>,
  task: string,
  slot: number,
  outcome: StoredOutcome,
  error: string | undefined,
  retryable: boolean,
): Promise<void> {
  await db
    .updateTable("sweeper_task_runs")
    .set({ outcome, error: truncate(error), retryable, finished_at: sql`now()` })
    .where("task", "=", task)
    .where("slot", "=", slot)
    .execute();
}

/**
 * Records a finished run (scheduled or manual) on the task's status row: last
 * run, outcome, runs counter, and the shared backoff (reset on success; on a
 * failure `retryAt` is when any replica may try again, null when permanent).
 */
export async function recordTaskRun(
  db: Kysely<Database>,
  task: string,
  leader: string,
  outcome: StoredOutcome,
  error: string | undefined,
  retryAt: Date | null,
): Promise<void> {
  const failed = outcome !== "success";
  await db
    .updateTable("sweeper_tasks")
    .set({
      last_run_at: sql`now()`,
      last_outcome: outcome === "success" ? "success" : "failure",
      last_error: truncate(error),
      last_leader: leader,
      runs: sql`runs + 1`,
      consecutive_failures: failed ? sql`consecutive_failures + 1` : 0,
      retry_at: retryAt,
    })
    .where("name", "=", task)
    .execute();
}

/** Failures in a row before this one (for the backoff exponent). */
export async function consecutiveFailures(db: Kysely<Database>, task: string): Promise<number> {
  const row = await db
    .selectFrom("sweeper_tasks")
    .select("consecutive_failures")
    .where("name", "=", task)
    .executeTakeFirst();
  return row?.consecutive_failures ?? 0;
}

function truncate(error: string | undefined): string | null {
  if (error === undefined) return null;
  return error.length > ERROR_MAX ? `${error.slice(0, ERROR_MAX)}…` : error;
}
