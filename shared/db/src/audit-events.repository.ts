import { sql, type Kysely } from "kysely";
import type { Database } from "./database.js";
import type { AuditEventRow, NewAuditEventRow } from "./tables/audit.table.js";

// The audit log's only way in and out: append, list, and retention's delete of
// old rows. There is deliberately no update and no other delete; the table's
// trigger refuses them anyway (migration 0012).

/** Filters of an audit list; every one is optional and they combine with AND. */
export interface AuditEventFilter {
  /** Limits to one org; undefined lists every org (the operator only). */
  orgId?: string;
  action?: string;
  actorId?: string;
  objectId?: string;
  outcome?: string;
  since?: Date;
  until?: Date;
}

// PostgreSQL text cannot hold NUL. Audited text comes from requests (a refused task
// name, an object id, the error that names it), and one NUL would fail the whole
// group-committed INSERT, and with it every call waiting on that batch.
const storable = (text: string) => text.replaceAll("\u0000", "\uFFFD");

function storableEvent(event: NewAuditEventRow): NewAuditEventRow {
  return {
    ...event,
    action: storable(event.action),
    actor_id: event.actor_id == null ? event.actor_id : storable(event.actor_id),
    org_id: event.org_id == null ? event.org_id : storable(event.org_id),
    object_ids: event.object_ids.map(storable),
    outcome: storable(event.outcome),
    client_address: storable(event.client_address),
    reason: storable(event.reason),
  };
}

/**
 * Appends audit events in one INSERT; never updates or deletes anything. A NUL in
 * any text becomes U+FFFD, so hostile input is recorded, not refused.
 */
export async function appendAuditEvents(db: Kysely<Database>, events: NewAuditEventRow[]): Promise<void> {
  if (events.length === 0) return;
  await db.insertInto("audit_events").values(events.map(storableEvent)).execute();
}

/**
 * Reads up to `limit` events matching the filter, newest first, strictly
 * after the keyset position `after` = [occurred_at ISO, id].
 */
export async function listAuditEvents(
  db: Kysely<Database>,
  filter: AuditEventFilter,
  after: string[] | undefined,
  limit: number,
): Promise<AuditEventRow[]> {
  let query = db.selectFrom("audit_events").selectAll();
  if (filter.orgId !== undefined) query = query.where("org_id", "=", filter.orgId);
  if (filter.action) query = query.where("action", "=", filter.action);
  if (filter.actorId) query = query.where("actor_id", "=", filter.actorId);
  if (filter.objectId) query = query.where(sql<boolean>`object_ids @> array[${filter.objectId}]::text[]`);
  if (filter.outcome) query = query.where("outcome", "=", filter.outcome);
  if (filter.since) query = query.where("occurred_at", ">=", filter.since);
  if (filter.until) query = query.where("occurred_at", "<", filter.until);
  if (after) {
    const [at, id] = after as [string, string];
    query = query.where(sql<boolean>`(occurred_at, id) < (${new Date(at)}::timestamptz, ${id})`);
  }
  return query.orderBy("occurred_at", "desc").orderBy("id", "desc").limit(limit).execute();
}

/**
 * Deletes up to `batchSize` events older than `cutoff` in one transaction that
 * declares the cutoff to the append-only trigger; returns how many went. The
 * trigger still refuses rows younger than a day, whatever the cutoff says.
 */
export async function deleteAuditEventsBefore(
  db: Kysely<Database>,
  cutoff: Date,
  batchSize: number,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('warden.audit_delete_before', ${cutoff.toISOString()}, true)`.execute(trx);
    const result = await trx
      .deleteFrom("audit_events")
      .where(
        "id",
        "in",
        trx
          .selectFrom("audit_events")
          .select("id")
          .where("occurred_at", "<", cutoff)
          .orderBy("occurred_at")
          .limit(batchSize),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  });
}
