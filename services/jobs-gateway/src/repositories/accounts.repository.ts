import type { AccountStatusColumn, ConnectedAccountRow, Database, NewConnectedAccountRow } from "@warden/db";
import {
  sql,
  type Kysely,
  type OnConflictBuilder,
  type OnConflictUpdateBuilder,
  type Transaction,
} from "kysely";

type Db = Kysely<Database> | Transaction<Database>;

/** The account if it exists (deleted accounts included, so Get can show DELETED). */
export async function findAccount(db: Db, id: string): Promise<ConnectedAccountRow | undefined> {
  return db.selectFrom("connected_accounts").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Inserts one account; undefined if a live account already has the same external user. */
export async function insertAccount(
  db: Db,
  row: NewConnectedAccountRow,
): Promise<ConnectedAccountRow | undefined> {
  return db
    .insertInto("connected_accounts")
    .values(row)
    .onConflict((oc) =>
      oc.columns(["auth_config_id", "external_user_id"]).where("deleted_at", "is", null).doNothing(),
    )
    .returningAll()
    .executeTakeFirst();
}

/**
 * Inserts or refreshes a batch of accounts in one statement: an existing live
 * account for the same external user gets the new tokens and becomes ACTIVE
 * again. Returns how many rows were created and how many updated.
 */
export async function upsertAccounts(
  db: Db,
  rows: NewConnectedAccountRow[],
): Promise<{ created: number; updated: number }> {
  if (rows.length === 0) return { created: 0, updated: 0 };
  const results = await db
    .insertInto("connected_accounts")
    .values(rows)
    .onConflict(refreshLiveAccount)
    // xmax = 0 only for freshly inserted rows: tells created from updated.
    .returning(sql<boolean>`(xmax = 0)`.as("inserted"))
    .execute();
  const created = results.filter((r) => r.inserted).length;
  return { created, updated: results.length - created };
}

/**
 * Creates one account, or reconnects the live account of the same external
 * user (new tokens, ACTIVE, no status reason, token_version bumped so any
 * cached refresh failure is stale). Returns the row and whether it was created.
 */
export async function upsertAccount(
  db: Db,
  row: NewConnectedAccountRow,
): Promise<{ account: ConnectedAccountRow; created: boolean }> {
  const { inserted, ...account } = await db
    .insertInto("connected_accounts")
    .values(row)
    .onConflict(refreshLiveAccount)
    .returningAll()
    .returning(sql<boolean>`(xmax = 0)`.as("inserted"))
    .executeTakeFirstOrThrow();
  return { account, created: inserted };
}

// A live account for the same (auth config, external user) takes the new tokens and is ACTIVE again.
function refreshLiveAccount(
  oc: OnConflictBuilder<Database, "connected_accounts">,
): OnConflictUpdateBuilder<Database, "connected_accounts"> {
  return oc
    .columns(["auth_config_id", "external_user_id"])
    .where("deleted_at", "is", null)
    .doUpdateSet((eb) => ({
      access_token_ciphertext: eb.ref("excluded.access_token_ciphertext"),
      refresh_token_ciphertext: eb.ref("excluded.refresh_token_ciphertext"),
      token_key_id: eb.ref("excluded.token_key_id"),
      expires_at: eb.ref("excluded.expires_at"),
      status: "active",
      status_reason: null,
      status_changed_at: eb.ref("excluded.status_changed_at"),
      updated_at: eb.ref("excluded.updated_at"),
      // New tokens are a new grant: nothing of it was revoked upstream yet.
      revoked_upstream_at: null,
      token_version: sql<number>`connected_accounts.token_version + 1`,
    }));
}

export interface AccountListFilter {
  orgId: string;
  projectId: string | null;
  authConfigId: string | null;
  status: AccountStatusColumn | null;
  afterId: string | undefined;
  limit: number;
}

/** One keyset page of a tenant's accounts ordered by id; DELETED only when asked for. */
export async function listAccounts(db: Db, filter: AccountListFilter): Promise<ConnectedAccountRow[]> {
  let query = db.selectFrom("connected_accounts").selectAll().where("org_id", "=", filter.orgId);
  if (filter.projectId) query = query.where("project_id", "=", filter.projectId);
  if (filter.authConfigId) query = query.where("auth_config_id", "=", filter.authConfigId);
  query = filter.status ? query.where("status", "=", filter.status) : query.where("status", "!=", "deleted");
  if (filter.afterId) query = query.where("id", ">", filter.afterId);
  return query.orderBy("id").limit(filter.limit).execute();
}

/**
 * Stores fresh tokens and sets the account ACTIVE, bumping the token version
 * so an in-flight refresh that read the old tokens cannot overwrite these.
 */
export async function reconnectAccount(
  db: Db,
  id: string,
  tokens: { access: Buffer; refresh: Buffer | null; keyId: string; expiresAt: Date | null },
  now: Date,
): Promise<ConnectedAccountRow | undefined> {
  return db
    .updateTable("connected_accounts")
    .set({
      access_token_ciphertext: tokens.access,
      refresh_token_ciphertext: tokens.refresh,
      token_key_id: tokens.keyId,
      expires_at: tokens.expiresAt,
      status: "active",
      status_reason: null,
      status_changed_at: now,
      updated_at: now,
      revoked_upstream_at: null,
      token_version: sql<number>`token_version + 1`,
    })
    .where("id", "=", id)
    .where("deleted_at", "is", null)
    .returningAll()
    .executeTakeFirst();
}

/** Soft-deletes one account (see softDeleteProject for why ciphertexts stay until purge). */
export async function softDeleteAccount(
  db: Db,
  id: string,
  now: Date,
): Promise<ConnectedAccountRow | undefined> {
  return db
    .updateTable("connected_accounts")
    .set({ status: "deleted", deleted_at: now, updated_at: now, status_changed_at: now })
    .where("id", "=", id)
    .where("deleted_at", "is", null)
    .returningAll()
    .executeTakeFirst();
}
