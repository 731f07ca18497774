import { sql, type Kysely } from "kysely";
import * as outboxEvents from "./2026_11_30_0010_outbox.js";

// Frozen in time: never edit once released. The events outbox holds one row
// per committing transaction instead of one per event: a ledger batch reports
// hundreds of accounts, and a row each cost PostgreSQL a tuple, an identity
// value and an index entry to insert and again to delete, per event. A row
// carries its events' ids and subjects in order and their encoded payloads
// concatenated (sizes alongside), written as one binary parameter. The relay
// still publishes every event as its own message with its own Nats-Msg-Id.
// `outbox_events` (never released) is folded in and dropped.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("outbox_batches")
    .ifNotExists()
    // Identity order is claim order; relays take the oldest first.
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    // Per event, in order: its event_id (also its Nats-Msg-Id), its subject, its payload's byte size.
    .addColumn("event_ids", sql`text[]`, (c) => c.notNull())
    .addColumn("subjects", sql`text[]`, (c) => c.notNull())
    .addColumn("payload_sizes", sql`integer[]`, (c) => c.notNull())
    // The encoded protobuf events, back to back, exactly as they are published.
    .addColumn("payloads", "bytea", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // A row lives for milliseconds: compressing its large values on insert buys nothing.
  await sql`alter table outbox_batches
              alter column event_ids set storage external,
              alter column subjects set storage external,
              alter column payloads set storage external`.execute(db);
  await sql`
    do $$ begin
      if to_regclass('outbox_events') is not null then
        insert into outbox_batches (event_ids, subjects, payload_sizes, payloads, created_at)
        select array[event_id], array[subject], array[length(payload)], payload, created_at
          from outbox_events order by id;
        drop table outbox_events;
      end if;
    end $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // The per-event table exactly as migration 0010 made it, then each row's events back into it.
  await outboxEvents.up(db);
  await sql`
    insert into outbox_events (event_id, subject, payload, created_at)
    select e.event_id, e.subject,
           substring(b.payloads from (e.start + 1)::int for e.size), b.created_at
      from outbox_batches as b
     cross join lateral (
       select u.event_id, u.subject, u.size,
              coalesce(sum(u.size) over (order by u.n rows between unbounded preceding and 1 preceding), 0) as start, u.n
         from unnest(b.event_ids, b.subjects, b.payload_sizes) with ordinality as u(event_id, subject, size, n)
     ) as e
     order by b.id, e.n`.execute(db);
  await db.schema.dropTable("outbox_batches").ifExists().execute();
}
