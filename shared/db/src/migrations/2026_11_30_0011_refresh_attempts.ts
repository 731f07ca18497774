import type { Kysely } from "kysely";

// Frozen in time: never edit once released. Records a refresh's provider call
// on the account before it is made (DESIGN §8 "Refresh crashes are loud"): the
// answer's write clears it in the same statement that stores the tokens, so an
// attempt still recorded at the account's current token_version means a
// provider call whose answer died with its process. The columns are not
// indexed, so recording and clearing them stay HOT updates of the row.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("connected_accounts")
    .addColumn("refresh_attempt_id", "text")
    .addColumn("refresh_attempt_token_version", "integer")
    .addColumn("refresh_attempt_started_at", "timestamptz")
    .addColumn("refresh_attempt_replica", "text")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("connected_accounts")
    .dropColumn("refresh_attempt_id")
    .dropColumn("refresh_attempt_token_version")
    .dropColumn("refresh_attempt_started_at")
    .dropColumn("refresh_attempt_replica")
    .execute();
}
