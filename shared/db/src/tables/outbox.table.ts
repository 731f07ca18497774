import type { ColumnType, Generated, Insertable, Selectable } from "kysely";

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

/**
 * One notification waiting for delivery: inserted with the change it reports,
 * deleted once every sink acknowledged it (see migration 0016). Never a secret.
 */
export interface NotificationOutboxTable {
  id: Generated<number>;
  idempotency_key: string;
  kind: string;
  title: string;
  text: string;
  occurred_at: Date;
  metadata: ColumnType<Record<string, unknown>, string, string>;
  claims: Generated<number>;
  claimed_until: Date | null;
  created_at: Generated<Date>;
}

export type NotificationOutboxRow = Selectable<NotificationOutboxTable>;
export type NewNotificationOutboxRow = Insertable<NotificationOutboxTable>;
