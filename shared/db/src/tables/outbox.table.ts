import type { ColumnType, Generated, Insertable, Selectable } from "kysely";

/**
 * The events one transaction committed, waiting for the relay: inserted with
 * the change they report, deleted once JetStream acked every one of them (see
 * migration 0017). Per event, in order: `event_ids`, `subjects` and
 * `payload_sizes`; `payloads` holds the encoded events back to back.
 */
export interface OutboxBatchesTable {
  id: Generated<number>;
  event_ids: string[];
  subjects: string[];
  payload_sizes: number[];
  payloads: Uint8Array;
  created_at: Generated<Date>;
}

export type OutboxBatchRow = Selectable<OutboxBatchesTable>;
export type NewOutboxBatchRow = Insertable<OutboxBatchesTable>;

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
