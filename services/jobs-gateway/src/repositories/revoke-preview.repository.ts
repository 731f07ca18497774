import type { Database, ScopeKindColumn } from "@warden/db";
import { sql, type Kysely } from "kysely";

/** One auth config's accounts that a revoke job over a scope would plan, by status. */
export interface AuthConfigPreviewRow {
  auth_config_id: string;
  name: string;
  project_id: string;
  provider: string | null;
  total: number;
  active: number;
  needs_reconnect: number;
  revoked: number;
  revokes_at_provider: boolean;
}

const SCOPE_COLUMN = {
  org: "org_id",
  project: "project_id",
  auth_config: "auth_config_id",
  connected_account: "id",
} as const;

/**
 * Counts, per auth config, the accounts the executor's planner would put in a
 * job over this scope, with the planner's own rule (revoke-executor
 * planning.repository expandNextBatch): every account of the scope that still
 * holds a token, whatever its status (soft-deleted accounts keep their
 * ciphertexts until the purge). Read-only: one SELECT, nothing is written.
 */
export async function previewRevokeScope(
  db: Kysely<Database>,
  scope: { kind: ScopeKindColumn; id: string },
): Promise<AuthConfigPreviewRow[]> {
  const column = sql.ref(`a.${SCOPE_COLUMN[scope.kind]}`);
  const { rows } = await sql<AuthConfigPreviewRow>`
    select c.id as auth_config_id, c.name, c.project_id, c.provider,
           count(*)::int as total,
           (count(*) filter (where a.status = 'active'))::int as active,
           (count(*) filter (where a.status = 'needs_reconnect'))::int as needs_reconnect,
           (count(*) filter (where a.status = 'revoked'))::int as revoked,
           -- The executor skips (wipes locally) accounts of an auth config without a revoke_url.
           (c.revoke_url is not null and c.revoke_method is distinct from 'none') as revokes_at_provider
      from connected_accounts as a
      join auth_configs as c on c.id = a.auth_config_id
     where ${column} = ${scope.id}
       and (a.access_token_ciphertext is not null or a.refresh_token_ciphertext is not null)
     group by c.id
     order by c.project_id, c.id`.execute(db);
  return rows;
}
