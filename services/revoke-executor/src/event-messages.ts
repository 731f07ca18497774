import { create } from "@bufbuild/protobuf";
import { timestampFromDate, timestampNow } from "@bufbuild/protobuf/wkt";
import type { JobStatusColumn, LeaseRow, LeaseStatusColumn, RevokeJobRow, ScopeKindColumn } from "@warden/db";
import {
  AccountEventSchema,
  JobEventSchema,
  LeaseEventSchema,
  type AccountEvent,
  type JobEvent,
  type LeaseEvent,
} from "@warden/proto/events/v1";
import { JobStatus, ScopeKind } from "@warden/proto/jobs/v1";
import { LeaseStatus } from "@warden/proto/leases/v1";

// Rows to the event messages the executor publishes. None of these rows has a
// token column selected, so an event cannot carry a secret.

const ts = (date: Date | null) => (date ? timestampFromDate(date) : undefined);

const SCOPE_KIND: Record<ScopeKindColumn, ScopeKind> = {
  org: ScopeKind.ORG,
  project: ScopeKind.PROJECT,
  auth_config: ScopeKind.AUTH_CONFIG,
  connected_account: ScopeKind.CONNECTED_ACCOUNT,
};
const JOB_STATUS: Record<JobStatusColumn, JobStatus> = {
  planning: JobStatus.PLANNING,
  running: JobStatus.RUNNING,
  completed: JobStatus.COMPLETED,
  cancelled: JobStatus.CANCELLED,
};
const LEASE_STATUS: Record<LeaseStatusColumn, LeaseStatus> = {
  active: LeaseStatus.ACTIVE,
  checked_in: LeaseStatus.CHECKED_IN,
  revoked: LeaseStatus.REVOKED,
  expired: LeaseStatus.EXPIRED,
};

/** Job row → warden.events.v1.JobEvent stamped now. */
export function jobEventOf(row: RevokeJobRow): JobEvent {
  return create(JobEventSchema, {
    job: {
      id: row.id,
      scope: { kind: SCOPE_KIND[row.scope_kind], id: row.scope_id },
      status: JOB_STATUS[row.status],
      run: row.run,
      force: row.force,
      counts: {
        total: BigInt(row.total),
        pending: BigInt(row.pending),
        revoked: BigInt(row.revoked),
        failed: BigInt(row.failed),
        skipped: BigInt(row.skipped),
        cancelled: BigInt(row.cancelled),
      },
      orgId: row.org_id,
      projectId: row.project_id ?? "",
      createdAt: ts(row.created_at),
      updatedAt: ts(row.updated_at),
      finishedAt: ts(row.finished_at),
    },
    occurredAt: timestampNow(),
  });
}

/** The ids an account event names; never a token. */
export interface RevokedAccount {
  id: string;
  org_id: string;
  project_id: string;
  auth_config_id: string;
}

/** A wiped account → warden.events.v1.AccountEvent for `events.account.<id>.revoked`. */
export function accountRevokedEventOf(account: RevokedAccount, jobId: string): AccountEvent {
  return create(AccountEventSchema, {
    accountId: account.id,
    orgId: account.org_id,
    projectId: account.project_id,
    authConfigId: account.auth_config_id,
    jobId,
    occurredAt: timestampNow(),
  });
}

/** Lease row (without its token hash) → warden.events.v1.LeaseEvent. */
export function leaseEventOf(row: Omit<LeaseRow, "token_hash">): LeaseEvent {
  return create(LeaseEventSchema, {
    lease: {
      id: row.id,
      accountId: row.account_id,
      projectId: row.project_id,
      holder: row.holder,
      purpose: row.purpose,
      status: LEASE_STATUS[row.status],
      createdAt: ts(row.created_at),
      expiresAt: ts(row.expires_at),
      endedAt: ts(row.ended_at),
    },
    occurredAt: timestampNow(),
  });
}
