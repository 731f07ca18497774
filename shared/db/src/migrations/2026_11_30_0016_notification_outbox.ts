import { sql, type Kysely } from "kysely";

// Frozen in time: never edit once released. The notifications' outbox (DESIGN
// §8: every notification is written durably): a notification is inserted in
// the same transaction as the change it reports (e.g. the reconnect digest's
// claim of its accounts), and the sweeper delivers it from here, deleting the
// row only once every sink acknowledged it (or refused it for good). A replica
// delivering a row holds it by `claimed_until`, renewed while it retries; a
// replica that dies lets the claim lapse and another one delivers the row
// again under the same idempotency key. No token or secret is ever stored here:
// notifications are built from ids, counts and provider error codes only.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("notification_outbox")
    .ifNotExists()
    // Identity order is delivery order: the oldest first.
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    // Sent with every delivery (header and body); receivers drop repeats by it.
    .addColumn("idempotency_key", "text", (c) => c.notNull().unique())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("text", "text", (c) => c.notNull())
    .addColumn("occurred_at", "timestamptz", (c) => c.notNull())
    .addColumn("metadata", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    // How many times a replica took the row for delivery (a count above one means a redelivery).
    .addColumn("claims", "integer", (c) => c.notNull().defaultTo(0))
    // Null: free to deliver. Past: its deliverer died; free again.
    .addColumn("claimed_until", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("notification_outbox").ifExists().execute();
}
