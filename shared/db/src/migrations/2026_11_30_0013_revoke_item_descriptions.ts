import type { Kysely } from "kysely";

// Frozen in time: never edit once released. Keeps the provider's
// error_description (sanitised and bounded by @warden/oauth before it is
// written) on each failed ledger item, apart from Warden's own error_message;
// and lets the ledger be filtered by external user id without scanning a job's
// accounts. A nullable column without a default is a catalog-only change, and
// it is not indexed, so ledger writes stay HOT updates (see 0007).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("revoke_items").addColumn("error_description", "text").execute();
  await db.schema
    .createIndex("connected_accounts_external_user_idx")
    .ifNotExists()
    .on("connected_accounts")
    .columns(["external_user_id", "id"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("connected_accounts_external_user_idx").ifExists().execute();
  await db.schema.alterTable("revoke_items").dropColumn("error_description").execute();
}
