import type { Database } from "@warden/db";
import { sql, type Transaction } from "kysely";
import type { OutboxEvent } from "./outbox-event.js";

/**
 * Inserts `events` into the outbox inside the caller's transaction, in one
 * statement whatever their number (arrays unnested server-side, so a ledger
 * batch costs one round trip and no parameter limit applies), and notifies the
 * relays, which PostgreSQL delivers only if and when the transaction commits:
 * a rolled-back change publishes nothing, a committed one is never lost.
 */
export async function enqueueEvents(
  trx: Transaction<Database>,
  events: readonly OutboxEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const ids = events.map((event) => event.eventId);
  const subjects = events.map((event) => event.subject);
  // node-pg serialises Buffers (not bare Uint8Arrays) inside arrays as bytea.
  const payloads = events.map((event) =>
    Buffer.from(event.payload.buffer, event.payload.byteOffset, event.payload.byteLength),
  );
  // The connection's search_path is the namespace, so current_schema() names
  // the channel the namespace's relays listen on (see outboxChannel).
  await sql`
    with inserted as (
      insert into outbox_events (event_id, subject, payload)
      select * from unnest(${ids}::text[], ${subjects}::text[], ${payloads}::bytea[])
      returning 1
    )
    select pg_notify(current_schema() || '_outbox', '') where exists (select 1 from inserted)`.execute(trx);
}
