import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { AuthConfigRow, ConnectedAccountRow, OrgRow, ProjectRow } from "@warden/db";
import { OrgSchema, ProjectSchema, type Org, type Project } from "@warden/proto/admin/v1";
import {
  AccountStatus,
  AuthConfigSchema,
  ConnectedAccountSchema,
  RevokeMethod,
  type AuthConfig,
  type ConnectedAccount,
} from "@warden/proto/accounts/v1";
import {
  CLIENT_AUTH_TO_PROTO,
  RESPONSE_STYLE_TO_PROTO,
  REVOKE_METHOD_TO_PROTO,
} from "./auth-config-enums.js";

// Rows to wire messages. These are the only places rows become responses, and
// they copy no ciphertext or secret column: a response cannot leak what is
// never put into it.

const ts = (date: Date | null) => (date ? timestampFromDate(date) : undefined);

export const ACCOUNT_STATUS_TO_PROTO = {
  active: AccountStatus.ACTIVE,
  needs_reconnect: AccountStatus.NEEDS_RECONNECT,
  revoked: AccountStatus.REVOKED,
  deleted: AccountStatus.DELETED,
} as const;

/** Org row → warden.admin.v1.Org. */
export function orgToProto(row: OrgRow): Org {
  return create(OrgSchema, { id: row.id, name: row.name, createdAt: ts(row.created_at) });
}

/** Project row → warden.admin.v1.Project. */
export function projectToProto(row: ProjectRow): Project {
  return create(ProjectSchema, {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    createdAt: ts(row.created_at),
    deletedAt: ts(row.deleted_at),
  });
}

/** Auth config row → warden.accounts.v1.AuthConfig, without its client secret. */
export function authConfigToProto(row: AuthConfigRow): AuthConfig {
  return create(AuthConfigSchema, {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    tokenUrl: row.token_url,
    revokeUrl: row.revoke_url ?? "",
    clientId: row.client_id,
    clientAuth: CLIENT_AUTH_TO_PROTO[row.client_auth],
    responseStyle: RESPONSE_STYLE_TO_PROTO[row.response_style],
    defaultScopes: row.default_scopes,
    createdAt: ts(row.created_at),
    updatedAt: ts(row.updated_at),
    deletedAt: ts(row.deleted_at),
    authorizeUrl: row.authorize_url ?? "",
    provider: row.provider ?? "",
    revokeMethod: row.revoke_method ? REVOKE_METHOD_TO_PROTO[row.revoke_method] : RevokeMethod.UNSPECIFIED,
    authorizeParams: row.authorize_params,
  });
}

/** Account row → warden.accounts.v1.ConnectedAccount, without its tokens. */
export function accountToProto(row: ConnectedAccountRow): ConnectedAccount {
  return create(ConnectedAccountSchema, {
    id: row.id,
    projectId: row.project_id,
    authConfigId: row.auth_config_id,
    externalUserId: row.external_user_id,
    status: ACCOUNT_STATUS_TO_PROTO[row.status],
    expiresAt: ts(row.expires_at),
    statusReason: row.status_reason ?? "",
    createdAt: ts(row.created_at),
    updatedAt: ts(row.updated_at),
    lastRefreshedAt: ts(row.last_refreshed_at),
    deletedAt: ts(row.deleted_at),
  });
}
