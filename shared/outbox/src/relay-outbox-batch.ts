import { publishWorkBatch } from "@warden/bus";
import type { Database } from "@warden/db";
import { sql, type Kysely } from "kysely";
import type { NatsConnection } from "nats";

export interface RelayBatchOptions {
  /** Rows claimed per transaction. */
  limit: number;
  /** PubAcks outstanding at once. */
  window: number;
  /** How long one publish waits for its PubAck. */
  publishTimeoutMs: number;
  /** Attempts per publish before the batch gives up (and is retried whole). */
  publishAttempts: number;
}

/**
 * Claims the oldest unclaimed outbox rows (FOR UPDATE SKIP LOCKED, so relays
 * in other processes take other rows), publishes them pipelined with
 * `Nats-Msg-Id` = event id, and deletes them in the same transaction only
 * after every PubAck. Any failure rolls back: the rows stay and are published
 * again (at least once; the stream and subscribers dedupe by id). A killed
 * relay's connection drops, which releases its claim. Returns rows relayed.
 */
export async function relayOutboxBatch(
  db: Kysely<Database>,
  nc: NatsConnection,
  options: RelayBatchOptions,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom("outbox_events")
      .select(["id", "event_id", "subject", "payload"])
      .orderBy("id")
      .limit(options.limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (rows.length === 0) return 0;
    await publishWorkBatch(
      nc,
      rows.map((row) => ({ subject: row.subject, msgId: row.event_id, data: row.payload })),
      { window: options.window, timeoutMs: options.publishTimeoutMs, attempts: options.publishAttempts },
    );
    await sql`delete from outbox_events where id = any(${rows.map((row) => row.id)}::bigint[])`.execute(trx);
    return rows.length;
  });
}
