import type { ColumnType, Generated, Insertable, Selectable } from "kysely";

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type ScopeKindColumn = "org" | "project" | "auth_config" | "connected_account";
export type JobStatusColumn = "planning" | "running" | "completed" | "cancelled";
export type ItemStatusColumn = "pending" | "revoked" | "failed" | "skipped" | "cancelled";

export interface RevokeJobsTable {
  id: string;
  org_id: string;
  project_id: string | null;
  scope_kind: ScopeKindColumn;
  scope_id: string;
  status: JobStatusColumn;
  run: Generated<number>;
  force: Generated<boolean>;
  total: Generated<number>;
  pending: Generated<number>;
  revoked: Generated<number>;
  failed: Generated<number>;
  skipped: Generated<number>;
  cancelled: Generated<number>;
  plan_cursor: string | null;
  /** Every pending item of the current run at or below this account id has its work message stored. */
  published_cursor: string | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  finished_at: Date | null;
}

export interface RevokeItemsTable {
  job_id: string;
  account_id: string;
  auth_config_id: string;
  run: number;
  status: ItemStatusColumn;
  attempts: Generated<number>;
  error_code: string | null;
  error_message: string | null;
  /** The provider's error_description, sanitised and bounded (never a secret). */
  error_description: Generated<string | null>;
  wiped_locally: Generated<boolean>;
  /** status = 'failed', stored by PostgreSQL; indexed (partially) for the failed ledger page. */
  is_failed: ColumnType<boolean, never, never>;
  /** When jobs-recovery last republished the item's work message (the planner tracks publishing per job). */
  published_at: Date | null;
  updated_at: Timestamp;
}

export type RevokeJobRow = Selectable<RevokeJobsTable>;
export type NewRevokeJobRow = Insertable<RevokeJobsTable>;
export type RevokeItemRow = Selectable<RevokeItemsTable>;
export type NewRevokeItemRow = Insertable<RevokeItemsTable>;
