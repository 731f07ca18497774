import { sql, type Kysely } from "kysely";

// Frozen in time: never edit once released. The sweeper's per-interval run
// ledger (one row per task and interval slot: the primary key is what makes a
// slot run at most once across replicas) and the digest watermark.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("sweeper_task_runs")
    .addColumn("task", "text", (c) => c.notNull())
    // floor(epoch ms / interval ms) of the interval this run covers.
    .addColumn("slot", "bigint", (c) => c.notNull())
    .addColumn("attempt", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("leader", "text", (c) => c.notNull())
    .addColumn("outcome", "text", (c) =>
      c.notNull().check(sql`outcome in ('running', 'success', 'failure', 'aborted')`),
    )
    // False for a failure marked permanent: the slot is not retried.
    .addColumn("retryable", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("error", "text")
    .addColumn("started_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("finished_at", "timestamptz")
    .addPrimaryKeyConstraint("sweeper_task_runs_pk", ["task", "slot"])
    .execute();
  await db.schema
    .alterTable("sweeper_tasks")
    // Failures in a row, for the retry backoff shared by every replica.
    .addColumn("consecutive_failures", "integer", (c) => c.notNull().defaultTo(0))
    // No replica starts the task before this (backoff after a failure).
    .addColumn("retry_at", "timestamptz")
    // A task's own progress marker (reconnect-digest: changes up to here were reported).
    .addColumn("watermark", "timestamptz")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("sweeper_task_runs").ifExists().execute();
  await db.schema
    .alterTable("sweeper_tasks")
    .dropColumn("consecutive_failures")
    .dropColumn("retry_at")
    .dropColumn("watermark")
    .execute();
}
