import type { Kysely } from "kysely";

// Frozen in time: never edit once released. Marks when an account's current
// NEEDS_RECONNECT episode was included in a digest, so the digest claims each
// episode exactly once however late its status change commits.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("connected_accounts")
    .addColumn("reconnect_notified_at", "timestamptz")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("connected_accounts").dropColumn("reconnect_notified_at").execute();
}
