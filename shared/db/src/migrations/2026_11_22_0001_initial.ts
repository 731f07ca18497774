import { sql, type Kysely } from "kysely";

// Frozen in time: this migration must never change once released. It takes
// Kysely<any> so later edits to the table interfaces cannot alter it.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("orgs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("projects")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("deleted_at", "timestamptz")
    .execute();
  await db.schema.createIndex("projects_org_id_idx").on("projects").columns(["org_id", "id"]).execute();

  await db.schema
    .createTable("api_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id"))
    .addColumn("project_id", "text", (c) => c.references("projects.id"))
    .addColumn("scopes", sql`text[]`, (c) => c.notNull())
    .addColumn("key_hash", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("revoked_at", "timestamptz")
    .execute();

  await db.schema
    .createTable("auth_configs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id"))
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("token_url", "text", (c) => c.notNull())
    .addColumn("revoke_url", "text")
    .addColumn("client_id", "text", (c) => c.notNull())
    .addColumn("client_secret_ciphertext", "bytea")
    .addColumn("client_secret_key_id", "text")
    .addColumn("client_auth", "text", (c) => c.notNull().check(sql`client_auth in ('basic', 'post')`))
    .addColumn("response_style", "text", (c) =>
      c.notNull().check(sql`response_style in ('rfc6749', 'slack')`),
    )
    .addColumn("default_scopes", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("deleted_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("auth_configs_project_id_idx")
    .on("auth_configs")
    .columns(["project_id", "id"])
    .execute();
  await db.schema
    .createIndex("auth_configs_org_id_idx")
    .on("auth_configs")
    .columns(["org_id", "id"])
    .execute();

  await db.schema
    .createTable("connected_accounts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id"))
    .addColumn("project_id", "text", (c) => c.notNull().references("projects.id"))
    .addColumn("auth_config_id", "text", (c) => c.notNull().references("auth_configs.id"))
    .addColumn("external_user_id", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('active', 'needs_reconnect', 'revoked', 'deleted')`),
    )
    .addColumn("status_reason", "text")
    .addColumn("status_changed_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    // Both tokens are sealed with the same key; the key id sits beside them.
    .addColumn("access_token_ciphertext", "bytea")
    .addColumn("refresh_token_ciphertext", "bytea")
    .addColumn("token_key_id", "text")
    .addColumn("expires_at", "timestamptz")
    // Fences token writes: a refresh commits only if the version it read is
    // still current, so a leader that lost its lock cannot overwrite.
    .addColumn("token_version", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_refreshed_at", "timestamptz")
    // Set once the provider confirmed the grant is dead (revoke job); the
    // purge task revokes upstream whatever was deleted without it.
    .addColumn("revoked_upstream_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("deleted_at", "timestamptz")
    .execute();
  await sql`create unique index connected_accounts_external_user_uq on connected_accounts (auth_config_id, external_user_id) where deleted_at is null`.execute(
    db,
  );
  await db.schema
    .createIndex("connected_accounts_project_idx")
    .on("connected_accounts")
    .columns(["project_id", "id"])
    .execute();
  await db.schema
    .createIndex("connected_accounts_auth_config_idx")
    .on("connected_accounts")
    .columns(["auth_config_id", "id"])
    .execute();
  await db.schema
    .createIndex("connected_accounts_org_idx")
    .on("connected_accounts")
    .columns(["org_id", "id"])
    .execute();
  await sql`create index connected_accounts_expiry_idx on connected_accounts (expires_at) where status = 'active' and deleted_at is null`.execute(
    db,
  );
  await sql`create index connected_accounts_reconnect_idx on connected_accounts (status_changed_at) where status = 'needs_reconnect'`.execute(
    db,
  );

  await db.schema
    .createTable("revoke_jobs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id"))
    .addColumn("project_id", "text")
    .addColumn("scope_kind", "text", (c) =>
      c.notNull().check(sql`scope_kind in ('org', 'project', 'auth_config', 'connected_account')`),
    )
    .addColumn("scope_id", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('planning', 'running', 'completed', 'cancelled')`),
    )
    .addColumn("run", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("force", "boolean", (c) => c.notNull().defaultTo(false))
    // Counters move in the same transaction as the ledger rows they count.
    .addColumn("total", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("pending", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("revoked", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("failed", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("skipped", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("cancelled", "integer", (c) => c.notNull().defaultTo(0))
    // Where planning got to (last account id expanded), so a crashed plan resumes.
    .addColumn("plan_cursor", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("finished_at", "timestamptz")
    .execute();
  // At most one in-flight job per scope, enforced by the database so it holds
  // under any number of concurrent creators.
  await sql`create unique index revoke_jobs_in_flight_uq on revoke_jobs (scope_kind, scope_id) where status in ('planning', 'running')`.execute(
    db,
  );
  await sql`create index revoke_jobs_org_newest_idx on revoke_jobs (org_id, created_at desc, id desc)`.execute(
    db,
  );
  await sql`create index revoke_jobs_active_idx on revoke_jobs (status, updated_at) where status in ('planning', 'running')`.execute(
    db,
  );

  await db.schema
    .createTable("revoke_items")
    .addColumn("job_id", "text", (c) => c.notNull().references("revoke_jobs.id").onDelete("cascade"))
    .addColumn("account_id", "text", (c) => c.notNull())
    .addColumn("auth_config_id", "text", (c) => c.notNull())
    .addColumn("run", "integer", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('pending', 'revoked', 'failed', 'skipped', 'cancelled')`),
    )
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("error_code", "text")
    .addColumn("error_message", "text")
    .addColumn("wiped_locally", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("published_at", "timestamptz")
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("revoke_items_pk", ["job_id", "account_id"])
    .execute();
  await db.schema
    .createIndex("revoke_items_status_idx")
    .on("revoke_items")
    .columns(["job_id", "status", "account_id"])
    .execute();

  await db.schema
    .createTable("leases")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id"))
    .addColumn("project_id", "text", (c) => c.notNull())
    .addColumn("account_id", "text", (c) =>
      c.notNull().references("connected_accounts.id").onDelete("cascade"),
    )
    .addColumn("holder", "text", (c) => c.notNull())
    .addColumn("purpose", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('active', 'checked_in', 'revoked', 'expired')`),
    )
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("ended_at", "timestamptz")
    .execute();
  // One active lease per (account, holder).
  await sql`create unique index leases_active_holder_uq on leases (account_id, holder) where status = 'active'`.execute(
    db,
  );
  await sql`create index leases_active_expiry_idx on leases (expires_at) where status = 'active'`.execute(db);
  await db.schema.createIndex("leases_account_idx").on("leases").columns(["account_id", "id"]).execute();
  await db.schema.createIndex("leases_org_idx").on("leases").columns(["org_id", "id"]).execute();

  await db.schema
    .createTable("sweeper_tasks")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("last_run_at", "timestamptz")
    .addColumn("last_outcome", "text")
    .addColumn("last_error", "text")
    .addColumn("last_leader", "text")
    .addColumn("runs", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    "sweeper_tasks",
    "leases",
    "revoke_items",
    "revoke_jobs",
    "connected_accounts",
    "auth_configs",
    "api_keys",
    "projects",
    "orgs",
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
