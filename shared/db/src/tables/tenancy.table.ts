import type { ColumnType, Generated, Insertable, Selectable } from "kysely";

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface OrgsTable {
  id: string;
  name: string;
  created_at: CreatedAt;
}

export interface ProjectsTable {
  id: string;
  org_id: string;
  name: string;
  created_at: CreatedAt;
  deleted_at: Date | null;
}

export interface ApiKeysTable {
  id: string;
  org_id: string;
  project_id: string | null;
  scopes: string[];
  key_hash: string;
  created_at: CreatedAt;
  revoked_at: Date | null;
  /** The key stops authenticating at this time; null: never expires. */
  expires_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** Written coalesced (about once a minute per process), so it may lag. */
  last_used_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export type OrgRow = Selectable<OrgsTable>;
export type ProjectRow = Selectable<ProjectsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type NewApiKeyRow = Insertable<ApiKeysTable>;
// Generated is re-exported for tables that need it in other files.
export type { Generated };
