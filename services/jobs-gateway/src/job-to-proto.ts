import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type {
  ItemStatusColumn,
  JobStatusColumn,
  RevokeItemRow,
  RevokeJobRow,
  ScopeKindColumn,
} from "@warden/db";
import {
  ItemStatus,
  JobStatus,
  RevokeItemSchema,
  RevokeJobSchema,
  ScopeKind,
  type RevokeItem,
  type RevokeJob,
} from "@warden/proto/jobs/v1";

// Revoke job and ledger rows to wire messages. Items carry only the sanitised
// error the executor stored; no token column exists on either table.

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

const ITEM_STATUS_TO_PROTO: Record<ItemStatusColumn, ItemStatus> = {
  pending: ItemStatus.PENDING,
  revoked: ItemStatus.REVOKED,
  failed: ItemStatus.FAILED,
  skipped: ItemStatus.SKIPPED,
  cancelled: ItemStatus.CANCELLED,
};

/** True for the states a job never leaves. */
export function isTerminalJobStatus(status: JobStatusColumn): boolean {
  return status === "completed" || status === "cancelled";
}

/** Revoke job row → warden.jobs.v1.RevokeJob. */
export function jobToProto(row: RevokeJobRow): RevokeJob {
  return create(RevokeJobSchema, {
    id: row.id,
    scope: { kind: SCOPE_KIND_TO_PROTO[row.scope_kind], id: row.scope_id },
    status: JOB_STATUS_TO_PROTO[row.status],
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

/** Ledger row → warden.jobs.v1.RevokeItem. */
export function itemToProto(
  row: Pick<
    RevokeItemRow,
    "account_id" | "status" | "attempts" | "error_code" | "error_message" | "updated_at" | "wiped_locally"
  >,
): RevokeItem {
  return create(RevokeItemSchema, {
    connectedAccountId: row.account_id,
    status: ITEM_STATUS_TO_PROTO[row.status],
    attempts: row.attempts,
    errorCode: row.error_code ?? "",
    errorMessage: row.error_message ?? "",
    updatedAt: ts(row.updated_at),
    wipedLocally: row.wiped_locally,
  });
}
