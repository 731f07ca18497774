import { sql, type Kysely } from "kysely";

// Frozen in time: never edit once released. The audit log, and the API key
// lifecycle columns (expiry, coalesced last use).
//
// The app connects with trust auth as one role, so REVOKE UPDATE/DELETE from
// that role cannot make the log append-only. A trigger does instead: UPDATE
// and TRUNCATE are always refused, and DELETE only removes rows older than the
// cutoff that the retention task declares for its own transaction with
// `set local warden.audit_delete_before = '<timestamptz>'`, and never a row
// younger than a day, whatever a session claims. The repository offers no
// update or delete besides that retention path.
//
// Safe to run from several replicas at once: migrateToLatest serialises
// migrations with a per-namespace advisory lock.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("api_keys")
    .addColumn("expires_at", "timestamptz")
    .addColumn("last_used_at", "timestamptz")
    .execute();
  // ListApiKeys pages an org's keys newest first.
  await sql`create index api_keys_org_created_idx on api_keys (org_id, created_at desc, id desc)`.execute(db);

  await db.schema
    .createTable("audit_events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("occurred_at", "timestamptz", (c) => c.notNull())
    .addColumn("actor_kind", "text", (c) =>
      c.notNull().check(sql`actor_kind in ('operator', 'api_key', 'lease', 'anonymous')`),
    )
    .addColumn("actor_id", "text")
    .addColumn("org_id", "text")
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("object_ids", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn("outcome", "text", (c) => c.notNull())
    .addColumn("client_address", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("reason", "text", (c) => c.notNull().defaultTo(""))
    .execute();
  // Newest first, for the operator's every-org list and for retention.
  await sql`create index audit_events_time_idx on audit_events (occurred_at desc, id desc)`.execute(db);
  // Newest first within one org: every API key's list.
  await sql`create index audit_events_org_time_idx on audit_events (org_id, occurred_at desc, id desc)`.execute(
    db,
  );
  await sql`create index audit_events_object_ids_idx on audit_events using gin (object_ids)`.execute(db);

  await sql`
    create function audit_events_append_only() returns trigger language plpgsql as $$
    declare
      cutoff timestamptz;
    begin
      if tg_op = 'DELETE' then
        cutoff := nullif(current_setting('warden.audit_delete_before', true), '')::timestamptz;
        if cutoff is not null and old.occurred_at < cutoff and old.occurred_at < now() - interval '1 day' then
          return old;
        end if;
      end if;
      raise exception 'audit_events is append-only (% refused)', tg_op using errcode = 'insufficient_privilege';
    end
    $$`.execute(db);
  await sql`
    create trigger audit_events_append_only before update or delete on audit_events
    for each row execute function audit_events_append_only()`.execute(db);
  await sql`
    create trigger audit_events_no_truncate before truncate on audit_events
    for each statement execute function audit_events_append_only()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("audit_events").ifExists().execute();
  await sql`drop function if exists audit_events_append_only()`.execute(db);
  await sql`drop index if exists api_keys_org_created_idx`.execute(db);
  await db.schema.alterTable("api_keys").dropColumn("expires_at").dropColumn("last_used_at").execute();
}
