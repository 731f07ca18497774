import type { Database, NotificationOutboxRow } from "@warden/db";
import { sql, type Kysely, type Transaction } from "kysely";
import type { Notification, NotificationKind } from "./notification.js";

// The notifications' outbox (migration 0016): rows written with the change
// they report, delivered by notification-outbox-delivery.ts, deleted once
// delivered. Plain functions over `db` or the caller's transaction.

/** A notification a replica took for delivery, with the row id that settles it. */
export interface ClaimedNotification {
  id: number;
  /** 1 on the first delivery; more when an earlier deliverer died or stopped before settling it. */
  claims: number;
  notification: Notification;
}

/**
 * Writes `notifications` in the caller's transaction, so they commit exactly
 * when the change they report does; a key already in the outbox is kept once.
 */
export async function enqueueNotifications(
  trx: Transaction<Database>,
  notifications: readonly Notification[],
): Promise<void> {
  if (notifications.length === 0) return;
  await trx
    .insertInto("notification_outbox")
    .values(
      notifications.map((n) => ({
        idempotency_key: n.idempotencyKey,
        kind: n.kind,
        title: n.title,
        text: n.text,
        occurred_at: n.occurredAt,
        metadata: JSON.stringify(n.metadata),
      })),
    )
    .onConflict((oc) => oc.column("idempotency_key").doNothing())
    .execute();
}

/**
 * Takes up to `limit` free rows, oldest first — never claimed, or claimed by a
 * deliverer whose claim lapsed (it died) — and holds them for `claimMs` (by the
 * database's clock, so replicas agree). SKIP LOCKED: concurrent claimers take
 * different rows.
 */
export async function claimNotifications(
  db: Kysely<Database>,
  limit: number,
  claimMs: number,
): Promise<ClaimedNotification[]> {
  const { rows } = await sql<NotificationOutboxRow>`
    update notification_outbox
       set claimed_until = now() + ${claimMs} * interval '1 millisecond', claims = claims + 1
     where id in (
       select id from notification_outbox
        where claimed_until is null or claimed_until < now()
        order by id
        limit ${limit}
        for update skip locked)
    returning *`.execute(db);
  return rows
    .sort((a, b) => Number(a.id) - Number(b.id))
    .map((row) => ({ id: Number(row.id), claims: row.claims, notification: notificationOf(row) }));
}

/** Extends the claims this deliverer still holds by `claimMs` from now. */
export async function renewClaims(
  db: Kysely<Database>,
  ids: readonly number[],
  claimMs: number,
): Promise<void> {
  if (ids.length === 0) return;
  await sql`
    update notification_outbox set claimed_until = now() + ${claimMs} * interval '1 millisecond'
     where id = any(${ids}::bigint[])`.execute(db);
}

/** Hands a row back undelivered (shutdown), so any replica may deliver it at once. */
export async function releaseClaim(db: Kysely<Database>, id: number): Promise<void> {
  await db.updateTable("notification_outbox").set({ claimed_until: null }).where("id", "=", id).execute();
}

/** Removes a row whose notification every sink acknowledged (or refused for good). */
export async function deleteSettledNotification(db: Kysely<Database>, id: number): Promise<void> {
  await db.deleteFrom("notification_outbox").where("id", "=", id).execute();
}

/** A stored row → the notification it was written as (same key, so receivers dedupe a redelivery). */
export function notificationOf(row: NotificationOutboxRow): Notification {
  return {
    idempotencyKey: row.idempotency_key,
    kind: row.kind as NotificationKind,
    title: row.title,
    text: row.text,
    occurredAt: row.occurred_at,
    metadata: row.metadata as Notification["metadata"],
  };
}
