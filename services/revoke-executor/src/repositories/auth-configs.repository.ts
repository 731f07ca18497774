import type { AuthConfigRow, Database } from "@warden/db";
import type { Kysely } from "kysely";

/** The columns revocation needs from an auth config (its sealed secret included). */
export type RevokeAuthConfigRow = Pick<
  AuthConfigRow,
  | "id"
  | "revoke_url"
  | "client_id"
  | "client_secret_ciphertext"
  | "client_secret_key_id"
  | "client_auth"
  | "response_style"
  | "revoke_method"
  | "provider"
>;

/** Reads one auth config, soft-deleted ones included (their accounts still need revoking). */
export async function findRevokeAuthConfig(
  db: Kysely<Database>,
  id: string,
): Promise<RevokeAuthConfigRow | undefined> {
  return db
    .selectFrom("auth_configs")
    .select([
      "id",
      "revoke_url",
      "client_id",
      "client_secret_ciphertext",
      "client_secret_key_id",
      "client_auth",
      "response_style",
      "revoke_method",
      "provider",
    ])
    .where("id", "=", id)
    .executeTakeFirst();
}
