import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { RevokeJobRow, ScopeKindColumn } from "@warden/db";
import { JobEventSchema, type JobEvent } from "@warden/proto/events/v1";
import { JobStatus, ScopeKind } from "@warden/proto/jobs/v1";

const SCOPE_KINDS: Record<ScopeKindColumn, ScopeKind> = {
  org: ScopeKind.ORG,
  project: ScopeKind.PROJECT,
  auth_config: ScopeKind.AUTH_CONFIG,
  connected_account: ScopeKind.CONNECTED_ACCOUNT,
};
const STATUSES = {
  planning: JobStatus.PLANNING,
  running: JobStatus.RUNNING,
  completed: JobStatus.COMPLETED,
  cancelled: JobStatus.CANCELLED,
} as const;

/** The JobEvent for a job row (counts and ids only). */
export function jobEventOf(job: RevokeJobRow, occurredAt = new Date()): JobEvent {
  return create(JobEventSchema, {
    occurredAt: timestampFromDate(occurredAt),
    job: {
      id: job.id,
      scope: { kind: SCOPE_KINDS[job.scope_kind], id: job.scope_id },
      status: STATUSES[job.status],
      run: job.run,
      force: job.force,
      counts: {
        total: BigInt(job.total),
        pending: BigInt(job.pending),
        revoked: BigInt(job.revoked),
        failed: BigInt(job.failed),
        skipped: BigInt(job.skipped),
        cancelled: BigInt(job.cancelled),
      },
      orgId: job.org_id,
      projectId: job.project_id ?? "",
      createdAt: timestampFromDate(job.created_at),
      updatedAt: timestampFromDate(new Date(job.updated_at)),
      ...(job.finished_at ? { finishedAt: timestampFromDate(job.finished_at) } : {}),
    },
  });
}
