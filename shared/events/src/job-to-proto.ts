import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { JobStatusColumn, RevokeJobRow, ScopeKindColumn } from "@warden/db";
import { JobStatus, RevokeJobSchema, ScopeKind, type RevokeJob } from "@warden/proto/jobs/v1";

// The one mapping from a revoke job row to its wire message, shared by RPC
// responses, error details and every service's job events. The row has no
// token column, so the message cannot carry one.

const ts = (date: Date | null) => (date ? timestampFromDate(date) : undefined);

export const SCOPE_KIND_TO_PROTO: Record<ScopeKindColumn, ScopeKind> = {
  org: ScopeKind.ORG,
  project: ScopeKind.PROJECT,
  auth_config: ScopeKind.AUTH_CONFIG,
  connected_account: ScopeKind.CONNECTED_ACCOUNT,
};

export const JOB_STATUS_TO_PROTO: Record<JobStatusColumn, JobStatus> = {
  planning: JobStatus.PLANNING,
  running: JobStatus.RUNNING,
  completed: JobStatus.COMPLETED,
  cancelled: JobStatus.CANCELLED,
};

/**
 * A job's wire status. COMPLETED_WITH_FAILURES is derived rather than stored: a completed run
 * with failed items reads so, and a retry that fixes them makes it read COMPLETED again.
 */
export function jobStatusToProto(row: Pick<RevokeJobRow, "status" | "failed">): JobStatus {
  if (row.status === "completed" && Number(row.failed) > 0) return JobStatus.COMPLETED_WITH_FAILURES;
  return JOB_STATUS_TO_PROTO[row.status];
}

/** Revoke job row → warden.jobs.v1.RevokeJob (every counter, ids, timestamps; project_id "" for an org scope). */
export function jobToProto(row: RevokeJobRow): RevokeJob {
  return create(RevokeJobSchema, {
    id: row.id,
    scope: { kind: SCOPE_KIND_TO_PROTO[row.scope_kind], id: row.scope_id },
    status: jobStatusToProto(row),
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
  });
}
