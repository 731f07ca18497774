import { sql, type Kysely } from "kysely";

// Frozen in time: never edit once released. One row per OAuth connect flow
// (authorization code with PKCE). Only the state's SHA-256 is stored, so a
// database read never yields a usable state; the PKCE verifier is sealed like
// every other secret and wiped once the flow ends.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("connect_sessions")
    .ifNotExists()
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id"))
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id"))
    .addColumn("auth_config_id", "text", (c) => c.notNull().references("auth_configs.id"))
    .addColumn("external_user_id", "text", (c) => c.notNull())
    .addColumn("scopes", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn("return_url", "text", (c) => c.notNull())
    .addColumn("redirect_uri", "text", (c) => c.notNull())
    .addColumn("state_hash", "text", (c) => c.notNull().unique())
    .addColumn("code_verifier_ciphertext", "bytea")
    .addColumn("code_verifier_key_id", "text")
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('pending', 'exchanging', 'connected', 'failed')`),
    )
    .addColumn("account_id", "text")
    .addColumn("error_code", "text")
    .addColumn("reconnected", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("finished_at", "timestamptz")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("connect_sessions").ifExists().execute();
}
