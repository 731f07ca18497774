import type { AuthConfigsTable, Database } from "@warden/db";
import type { AuthConfigRow } from "@warden/db";
import type { Kysely, Updateable } from "kysely";

/** The columns UpdateAuthConfig may change. */
export type AuthConfigChanges = Pick<
  Updateable<AuthConfigsTable>,
  | "name"
  | "token_url"
  | "revoke_url"
  | "authorize_url"
  | "client_id"
  | "client_secret_ciphertext"
  | "client_secret_key_id"
  | "client_auth"
  | "response_style"
  | "revoke_method"
>;

/** Applies `changes` to a live auth config (and stamps updated_at); undefined if it is gone or deleted. */
export async function updateLiveAuthConfig(
  db: Kysely<Database>,
  id: string,
  changes: AuthConfigChanges,
  now: Date,
): Promise<AuthConfigRow | undefined> {
  return db
    .updateTable("auth_configs")
    .set({ ...changes, updated_at: now })
    .where("id", "=", id)
    .where("deleted_at", "is", null)
    .returningAll()
    .executeTakeFirst();
}
