import type { Generated, Insertable, Selectable } from "kysely";

export type LeaseStatusColumn = "active" | "checked_in" | "revoked" | "expired";

export interface LeasesTable {
  id: string;
  org_id: string;
  project_id: string;
  account_id: string;
  holder: string;
  purpose: Generated<string>;
  status: LeaseStatusColumn;
  token_hash: string;
  created_at: Generated<Date>;
  expires_at: Date;
  ended_at: Date | null;
}

export interface SweeperTasksTable {
  name: string;
  last_run_at: Date | null;
  last_outcome: string | null;
  last_error: string | null;
  last_leader: string | null;
  runs: Generated<number>;
  consecutive_failures: Generated<number>;
  retry_at: Date | null;
  watermark: Date | null;
}

export type SweeperRunOutcomeColumn = "running" | "success" | "failure" | "aborted";

export interface SweeperTaskRunsTable {
  task: string;
  slot: number;
  attempt: Generated<number>;
  leader: string;
  outcome: SweeperRunOutcomeColumn;
  retryable: Generated<boolean>;
  error: string | null;
  started_at: Generated<Date>;
  finished_at: Date | null;
}

export type LeaseRow = Selectable<LeasesTable>;
export type NewLeaseRow = Insertable<LeasesTable>;
export type SweeperTaskRow = Selectable<SweeperTasksTable>;
export type SweeperTaskRunRow = Selectable<SweeperTaskRunsTable>;
