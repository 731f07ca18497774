import { publishWorkBatch } from "@warden/bus";
import type { Database } from "@warden/db";
import { sql, type Kysely } from "kysely";
import type { NatsConnection } from "nats";
import { eventsOfRow } from "./pending-outbox-events.js";

export interface RelayBatchOptions {
  /**
   * Events per claim, roughly: rows are claimed oldest first while the ones
   * before them hold fewer events than this (a larger row still goes alone).
   */
  limit: number;
  /** PubAcks outstanding at once. */
  window: number;
  /** How long one publish waits for its PubAck. */
  publishTimeoutMs: number;
  /** Attempts per publish before the batch gives up (and is retried whole). */
  publishAttempts: number;
}

/** Rows one claim looks at: the events limit decides how many of them it takes. */
const ROWS_PER_CLAIM = 64;

/** What one claim did. */
export interface RelayedBatch {
  rows: number;
  events: number;
  /** More rows may be waiting: the claim left locked rows behind for the limit, or its window of rows was full. */
  full: boolean;
}

/**
 * Claims the oldest unclaimed outbox rows (FOR UPDATE SKIP LOCKED, so relays
 * in other processes take other rows), publishes each of their events
 * pipelined with `Nats-Msg-Id` = event id, and deletes the rows in the same
 * transaction only after every PubAck. Any failure rolls back: the rows stay
 * and are published again (at least once; the stream and subscribers dedupe
 * by id). A killed relay's connection drops, which releases its claim.
 */
export async function relayOutboxBatch(
  db: Kysely<Database>,
  nc: NatsConnection,
  options: RelayBatchOptions,
): Promise<RelayedBatch> {
  return db.transaction().execute(async (trx) => {
    // Lock a window of rows, then read the payloads only of the prefix that fits the limit.
    // Ids, subjects and sizes come back newline-joined (none can hold a newline; see enqueueEvents):
    // splitting a string is native, parsing a text[] literal is a JavaScript loop per character.
    const { rows } = await sql<{
      id: string;
      event_ids: string;
      subjects: string;
      payload_sizes: string;
      payloads: Buffer;
      claimed_rows: number;
    }>`
      with claimed as (
        select id, cardinality(event_ids) as events
          from outbox_batches order by id limit ${ROWS_PER_CLAIM} for update skip locked
      ),
      taken as (
        select id
          from (select id, sum(events) over (order by id) - events as before from claimed) as c
         where before < ${options.limit}
      )
      select b.id, array_to_string(b.event_ids, E'\n') as event_ids, array_to_string(b.subjects, E'\n') as subjects,
             array_to_string(b.payload_sizes, E'\n') as payload_sizes, b.payloads,
             (select count(*) from claimed)::int as claimed_rows
        from outbox_batches as b join taken using (id)
       order by b.id`.execute(trx);
    if (rows.length === 0) return { rows: 0, events: 0, full: false };
    const events = rows.flatMap((row) =>
      eventsOfRow({
        event_ids: row.event_ids.split("\n"),
        subjects: row.subjects.split("\n"),
        payload_sizes: row.payload_sizes.split("\n").map(Number),
        payloads: row.payloads,
      }),
    );
    await publishWorkBatch(
      nc,
      events.map((event) => ({ subject: event.subject, msgId: event.eventId, data: event.payload })),
      { window: options.window, timeoutMs: options.publishTimeoutMs, attempts: options.publishAttempts },
    );
    await sql`delete from outbox_batches where id = any(${rows.map((row) => row.id)}::bigint[])`.execute(trx);
    return {
      rows: rows.length,
      events: events.length,
      full: rows.length < rows[0]!.claimed_rows || rows[0]!.claimed_rows >= ROWS_PER_CLAIM,
    };
  });
}
