import type { Generated, Insertable, Selectable } from "kysely";

/** exchanging: the callback claimed the one-time state and is talking to the provider. */
export type ConnectSessionStatusColumn = "pending" | "exchanging" | "connected" | "failed";

export interface ConnectSessionsTable {
  id: string;
  org_id: string;
  project_id: string;
  auth_config_id: string;
  external_user_id: string;
  scopes: string[];
  return_url: string;
  /** The callback URL the authorization request carried; the code exchange must repeat it. */
  redirect_uri: string;
  /** SHA-256 of the one-time state; the state itself is never stored. */
  state_hash: string;
  code_verifier_ciphertext: Buffer | null;
  code_verifier_key_id: string | null;
  status: ConnectSessionStatusColumn;
  account_id: string | null;
  error_code: string | null;
  reconnected: Generated<boolean>;
  created_at: Generated<Date>;
  expires_at: Date;
  finished_at: Date | null;
}

export type ConnectSessionRow = Selectable<ConnectSessionsTable>;
export type NewConnectSessionRow = Insertable<ConnectSessionsTable>;
