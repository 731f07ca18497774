import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type ClientAuthColumn = "basic" | "post" | "none";
export type ResponseStyleColumn = "rfc6749" | "slack" | "error_in_200";
/** How an auth config revokes at its provider; null keeps the first release's rule (RFC 7009 iff revoke_url). */
export type RevokeMethodColumn =
  "rfc7009" | "rfc7009_unauthenticated" | "slack" | "bearer" | "github" | "delete_by_path" | "none";
export type AccountStatusColumn = "active" | "needs_reconnect" | "revoked" | "deleted";

export interface AuthConfigsTable {
  id: string;
  org_id: string;
  project_id: string;
  name: string;
  token_url: string;
  revoke_url: string | null;
  client_id: string;
  client_secret_ciphertext: Buffer | null;
  client_secret_key_id: string | null;
  client_auth: ClientAuthColumn;
  response_style: ResponseStyleColumn;
  default_scopes: string[];
  created_at: Generated<Date>;
  updated_at: Timestamp;
  deleted_at: Date | null;
  /** The catalog id the auth config was created from, if any. */
  provider: Generated<string | null>;
  authorize_url: Generated<string | null>;
  revoke_method: Generated<RevokeMethodColumn | null>;
  /** Extra authorize parameters for the connect flow (e.g. access_type=offline). */
  authorize_params: ColumnType<
    Record<string, string>,
    Record<string, string> | string | undefined,
    Record<string, string> | string
  >;
}

export interface ConnectedAccountsTable {
  id: string;
  org_id: string;
  project_id: string;
  auth_config_id: string;
  external_user_id: string;
  status: AccountStatusColumn;
  status_reason: string | null;
  status_changed_at: Timestamp;
  access_token_ciphertext: Buffer | null;
  refresh_token_ciphertext: Buffer | null;
  token_key_id: string | null;
  expires_at: Date | null;
  token_version: Generated<number>;
  last_refreshed_at: Date | null;
  revoked_upstream_at: Date | null;
  /** When the current NEEDS_RECONNECT episode went out in a digest (reconnect-digest task). */
  reconnect_notified_at: Generated<Date | null>;
  /** The refresh whose provider call is under way (or whose answer was lost): cleared by the answer's write. */
  refresh_attempt_id: Generated<string | null>;
  /** The token_version whose refresh token that attempt presented. */
  refresh_attempt_token_version: Generated<number | null>;
  refresh_attempt_started_at: Generated<Date | null>;
  /** The token-refresh process that made the attempt (host:pid), for the operator reading the log. */
  refresh_attempt_replica: Generated<string | null>;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  deleted_at: Date | null;
}

export type AuthConfigRow = Selectable<AuthConfigsTable>;
export type NewAuthConfigRow = Insertable<AuthConfigsTable>;
export type ConnectedAccountRow = Selectable<ConnectedAccountsTable>;
export type NewConnectedAccountRow = Insertable<ConnectedAccountsTable>;
export type ConnectedAccountUpdate = Updateable<ConnectedAccountsTable>;
