import type { AuthConfigRow, ConnectedAccountRow, Database } from "@warden/db";
import { enqueueEvents, type OutboxEvent } from "@warden/outbox";
import { sql, type Kysely, type Transaction } from "kysely";
import { NO_REFRESH_ATTEMPT } from "./refresh-attempts.repository.js";

type Db = Kysely<Database> | Transaction<Database>;

/** Runs `work` in `db` if it is a transaction already, else in a new one (so a change and its event commit together). */
function inTransaction<T>(db: Db, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db as Transaction<Database>) : db.transaction().execute(work);
}

/** The columns token-refresh reads of an account: tenancy, status, sealed tokens and the fencing version. */
export type TokenAccount = Pick<
  ConnectedAccountRow,
  | "id"
  | "org_id"
  | "project_id"
  | "auth_config_id"
  | "external_user_id"
  | "status"
  | "status_reason"
  | "access_token_ciphertext"
  | "refresh_token_ciphertext"
  | "token_key_id"
  | "expires_at"
  | "token_version"
  | "last_refreshed_at"
  | "updated_at"
  | "deleted_at"
>;

/** The auth config columns a refresh needs (never logged: the secret is sealed). */
export type RefreshClientRow = Pick<
  AuthConfigRow,
  | "id"
  | "token_url"
  | "client_id"
  | "client_secret_ciphertext"
  | "client_secret_key_id"
  | "client_auth"
  | "deleted_at"
  | "provider"
>;

const TOKEN_ACCOUNT_COLUMNS = [
  "id",
  "org_id",
  "project_id",
  "auth_config_id",
  "external_user_id",
  "status",
  "status_reason",
  "access_token_ciphertext",
  "refresh_token_ciphertext",
  "token_key_id",
  "expires_at",
  "token_version",
  "last_refreshed_at",
  "updated_at",
  "deleted_at",
] as const;

/** One primary-key lookup: the whole hot path's database cost. */
export async function findTokenAccount(db: Db, id: string): Promise<TokenAccount | undefined> {
  return db
    .selectFrom("connected_accounts")
    .select(TOKEN_ACCOUNT_COLUMNS)
    .where("id", "=", id)
    .executeTakeFirst();
}

/** The OAuth client of an auth config, deleted ones included (the caller decides). */
export async function findRefreshClient(db: Db, authConfigId: string): Promise<RefreshClientRow | undefined> {
  return db
    .selectFrom("auth_configs")
    .select([
      "id",
      "token_url",
      "client_id",
      "client_secret_ciphertext",
      "client_secret_key_id",
      "client_auth",
      "deleted_at",
      "provider",
    ])
    .where("id", "=", authConfigId)
    .executeTakeFirst();
}

/** New sealed tokens to store after a successful refresh. */
export interface RefreshedTokenWrite {
  access: Buffer;
  refresh: Buffer | null;
  keyId: string;
  expiresAt: Date | null;
}

/**
 * Stores a refresh's tokens (access and refresh together, in one statement)
 * only if the account's token_version is still the one the leader read, bumps
 * it and clears the recorded attempt, with the event `eventOf` builds (if
 * given) in the same transaction; undefined when someone wrote newer tokens
 * (or reconnected) first.
 */
export async function writeRefreshedTokens(
  db: Db,
  id: string,
  readVersion: number,
  tokens: RefreshedTokenWrite,
  now: Date,
  eventOf?: (written: TokenAccount) => OutboxEvent,
): Promise<TokenAccount | undefined> {
  return inTransaction(db, async (trx) => {
    const written = await updateTokens(trx, id, readVersion, tokens, now);
    // The `refreshed` event commits with the tokens it reports, or not at all.
    if (written && eventOf) await enqueueEvents(trx, [eventOf(written)]);
    return written;
  });
}

function updateTokens(
  db: Db,
  id: string,
  readVersion: number,
  tokens: RefreshedTokenWrite,
  now: Date,
): Promise<TokenAccount | undefined> {
  return db
    .updateTable("connected_accounts")
    .set({
      access_token_ciphertext: tokens.access,
      refresh_token_ciphertext: tokens.refresh,
      token_key_id: tokens.keyId,
      expires_at: tokens.expiresAt,
      last_refreshed_at: now,
      updated_at: now,
      token_version: sql<number>`token_version + 1`,
      ...NO_REFRESH_ATTEMPT,
    })
    .where("id", "=", id)
    .where("token_version", "=", readVersion)
    .where("status", "=", "active")
    .where("deleted_at", "is", null)
    .returning(TOKEN_ACCOUNT_COLUMNS)
    .executeTakeFirst();
}

/**
 * Marks the account NEEDS_RECONNECT with `statusReason` (the provider's code,
 * or rotation_lost) and clears the recorded attempt, fenced like a token write
 * so a failure of stale tokens never disables an account that was reconnected
 * meanwhile, with `event` (if given) in the same transaction; false when the
 * fence refused it.
 */
export async function markNeedsReconnect(
  db: Db,
  id: string,
  readVersion: number,
  statusReason: string,
  now: Date,
  event?: OutboxEvent,
): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const result = await trx
      .updateTable("connected_accounts")
      .set({
        status: "needs_reconnect",
        status_reason: statusReason,
        status_changed_at: now,
        updated_at: now,
        ...NO_REFRESH_ATTEMPT,
      })
      .where("id", "=", id)
      .where("token_version", "=", readVersion)
      .where("status", "=", "active")
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    const marked = result.numUpdatedRows > 0n;
    // The `needs_reconnect` event commits with the status change, or not at all.
    if (marked && event) await enqueueEvents(trx, [event]);
    return marked;
  });
}
