import { sql, type Kysely } from "kysely";

// Frozen in time: never edit once released. The transactional outboxes: a row
// is inserted in the same transaction as the state change it reports, and a
// relay (events) or the sweeper (notifications) delivers it afterwards, so a
// crash between the commit and the delivery can delay it but never lose it.
// Created with `if not exists` so replicas racing past the migration lock (or a
// half-applied run retried) stay safe.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("outbox_events")
    .ifNotExists()
    // Identity order is claim order; relays take the oldest first.
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    // The event's event_id and its Nats-Msg-Id.
    .addColumn("event_id", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    // The encoded protobuf event, exactly as it is published.
    .addColumn("payload", "bytea", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("outbox_events").ifExists().execute();
}
