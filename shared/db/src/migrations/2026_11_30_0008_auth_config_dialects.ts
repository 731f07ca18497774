import { sql, type Kysely } from "kysely";

// Frozen in time: never edit once released. Provider dialects (second release):
// where an auth config came from in the catalog, its authorize URL and extra
// authorize parameters for the connect flow, and how it revokes. A null
// revoke_method keeps the first release's rule (RFC 7009 when revoke_url is set,
// else none). Public clients (no secret) and "errors with HTTP 200" token
// endpoints widen the two existing checks.

const REVOKE_METHODS = sql`('rfc7009', 'rfc7009_unauthenticated', 'slack', 'bearer', 'github', 'delete_by_path', 'none')`;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("auth_configs")
    .addColumn("provider", "text")
    .addColumn("authorize_url", "text")
    .addColumn("revoke_method", "text", (c) => c.check(sql`revoke_method in ${REVOKE_METHODS}`))
    .addColumn("authorize_params", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await sql`
    alter table auth_configs
      drop constraint auth_configs_client_auth_check,
      add constraint auth_configs_client_auth_check check (client_auth in ('basic', 'post', 'none')),
      drop constraint auth_configs_response_style_check,
      add constraint auth_configs_response_style_check
        check (response_style in ('rfc6749', 'slack', 'error_in_200'))
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter table auth_configs
      drop constraint auth_configs_client_auth_check,
      add constraint auth_configs_client_auth_check check (client_auth in ('basic', 'post')),
      drop constraint auth_configs_response_style_check,
      add constraint auth_configs_response_style_check check (response_style in ('rfc6749', 'slack'))
  `.execute(db);
  await db.schema
    .alterTable("auth_configs")
    .dropColumn("provider")
    .dropColumn("authorize_url")
    .dropColumn("revoke_method")
    .dropColumn("authorize_params")
    .execute();
}
