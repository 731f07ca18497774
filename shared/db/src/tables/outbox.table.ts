import type { Generated, Insertable, Selectable } from "kysely";

/** One event waiting for the relay: inserted with the change it reports, deleted once JetStream acked it. */
export interface OutboxEventsTable {
  id: Generated<number>;
  event_id: string;
  subject: string;
  payload: Uint8Array;
  created_at: Generated<Date>;
}

export type OutboxEventRow = Selectable<OutboxEventsTable>;
export type NewOutboxEventRow = Insertable<OutboxEventsTable>;
