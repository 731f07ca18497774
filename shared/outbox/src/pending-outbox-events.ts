import type { Database } from "@warden/db";
import type { Kysely } from "kysely";
import type { OutboxEvent } from "./outbox-event.js";

/** The outbox rows' events, oldest first, as the relay will publish them (for tests and tools). */
export async function pendingOutboxEvents(db: Kysely<Database>): Promise<OutboxEvent[]> {
  const rows = await db
    .selectFrom("outbox_batches")
    .select(["event_ids", "subjects", "payload_sizes", "payloads"])
    .orderBy("id")
    .execute();
  return rows.flatMap(eventsOfRow);
}

/** Splits one outbox row back into its events. */
export function eventsOfRow(row: {
  event_ids: string[];
  subjects: string[];
  payload_sizes: number[];
  payloads: Uint8Array;
}): OutboxEvent[] {
  let offset = 0;
  return row.event_ids.map((eventId, index) => {
    const size = row.payload_sizes[index]!;
    const payload = row.payloads.subarray(offset, offset + size);
    offset += size;
    return { eventId, subject: row.subjects[index]!, payload };
  });
}
