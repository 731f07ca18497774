import type { Kysely } from "kysely";

// Frozen in time: never edit once released. Where publishing of the current
// run's work messages got to: every pending item of the run at or below this
// account id has its message stored in JetStream. One job-row update per
// published batch replaces a per-item `published_at` update (which doubled the
// write cost of planning); `published_at` now only records recovery republishes.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("revoke_jobs").addColumn("published_cursor", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("revoke_jobs").dropColumn("published_cursor").execute();
}
