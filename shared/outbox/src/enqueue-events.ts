import type { Database } from "@warden/db";
import { sql, type Transaction } from "kysely";
import type { OutboxEvent } from "./outbox-event.js";

/**
 * Inserts `events` into the outbox inside the caller's transaction as one row
 * (their payloads back to back in one binary parameter, so a ledger batch of
 * hundreds of events costs one tuple and no hex encoding), and notifies the
 * relays, which PostgreSQL delivers only if and when the transaction commits:
 * a rolled-back change publishes nothing, a committed one is never lost.
 */
export async function enqueueEvents(
  trx: Transaction<Database>,
  events: readonly OutboxEvent[],
): Promise<void> {
  if (events.length === 0) return;
  // The relay reads a row's ids and subjects newline-joined (see relayOutboxBatch).
  for (const event of events)
    if (event.eventId.includes("\n") || event.subject.includes("\n"))
      throw new Error(`outbox event ${JSON.stringify(event.eventId)} has a newline in its id or subject`);
  const ids = events.map((event) => event.eventId);
  const subjects = events.map((event) => event.subject);
  const sizes = events.map((event) => event.payload.byteLength);
  // node-pg sends a Buffer parameter in binary, as is.
  const payloads = Buffer.concat(events.map((event) => event.payload));
  // The connection's search_path is the namespace, so current_schema() names
  // the channel the namespace's relays listen on (see outboxChannel).
  await sql`
    with inserted as (
      insert into outbox_batches (event_ids, subjects, payload_sizes, payloads)
      values (${ids}::text[], ${subjects}::text[], ${sizes}::int[], ${payloads}::bytea)
      returning 1
    )
    select pg_notify(current_schema() || '_outbox', '') from inserted`.execute(trx);
}
