import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { ItemStatusColumn, JobStatusColumn, ScopeKindColumn } from "@warden/db";
import { invalidArgument } from "@warden/errors";
import { SCOPE_KIND_TO_PROTO } from "@warden/events";
import {
  ItemStatus,
  JobStatus,
  ScopeKind,
  type GetRevokeJobRequest,
  type ListRevokeJobsRequest,
} from "@warden/proto/jobs/v1";
import { ITEM_STATUS_TO_PROTO } from "../item-to-proto.js";

// The optional filters of GetRevokeJob's ledger and of ListRevokeJobs, checked
// and turned into column terms; each failure names its field.

/** A job-list filter in column terms; `failed` refines `completed` (COMPLETED vs COMPLETED_WITH_FAILURES). */
export interface JobListFilters {
  status?: JobStatusColumn;
  failed?: "none" | "some";
  scopeKind?: ScopeKindColumn;
  createdAfter?: Date;
  createdBefore?: Date;
}

const JOB_STATUS_FILTERS: ReadonlyMap<JobStatus, Pick<JobListFilters, "status" | "failed">> = new Map([
  [JobStatus.PLANNING, { status: "planning" }],
  [JobStatus.RUNNING, { status: "running" }],
  [JobStatus.COMPLETED, { status: "completed", failed: "none" }],
  [JobStatus.COMPLETED_WITH_FAILURES, { status: "completed", failed: "some" }],
  [JobStatus.CANCELLED, { status: "cancelled" }],
] as const);

const SCOPE_KIND_FROM_PROTO = new Map(
  Object.entries(SCOPE_KIND_TO_PROTO).map(([column, wire]) => [wire, column as ScopeKindColumn]),
);
const ITEM_STATUS_FROM_PROTO = new Map(
  Object.entries(ITEM_STATUS_TO_PROTO).map(([column, wire]) => [wire, column as ItemStatusColumn]),
);

/** ListRevokeJobs' filters; UNSPECIFIED / unset means no filter. */
export function parseJobListFilters(req: ListRevokeJobsRequest): JobListFilters {
  const filters: JobListFilters = {};
  if (req.status !== JobStatus.UNSPECIFIED) {
    const status = JOB_STATUS_FILTERS.get(req.status);
    if (!status) throw invalidArgument("status", "must be a JobStatus");
    Object.assign(filters, status);
  }
  if (req.scopeKind !== ScopeKind.UNSPECIFIED) {
    const kind = SCOPE_KIND_FROM_PROTO.get(req.scopeKind);
    if (!kind) throw invalidArgument("scope_kind", "must be a ScopeKind");
    filters.scopeKind = kind;
  }
  if (req.createdAfter) filters.createdAfter = validDate("created_after", timestampDate(req.createdAfter));
  if (req.createdBefore)
    filters.createdBefore = validDate("created_before", timestampDate(req.createdBefore));
  if (filters.createdAfter && filters.createdBefore && filters.createdAfter >= filters.createdBefore) {
    throw invalidArgument("created_before", "must be later than created_after");
  }
  return filters;
}

/** The filters as a stable string, to bind a cursor to them. */
export function jobListFiltersKey(filters: JobListFilters): string {
  return [
    filters.status ?? "*",
    filters.failed ?? "*",
    filters.scopeKind ?? "*",
    filters.createdAfter?.toISOString() ?? "*",
    filters.createdBefore?.toISOString() ?? "*",
  ].join(":");
}

/** GetRevokeJob's ledger filters; UNSPECIFIED / "" means no filter. */
export function parseLedgerFilters(req: GetRevokeJobRequest): {
  status?: ItemStatusColumn;
  externalUserId?: string;
} {
  let status: ItemStatusColumn | undefined;
  if (req.itemStatus !== ItemStatus.UNSPECIFIED) {
    status = ITEM_STATUS_FROM_PROTO.get(req.itemStatus);
    if (!status) throw invalidArgument("item_status", "must be an ItemStatus");
  }
  if (req.externalUserId.length > 512)
    throw invalidArgument("external_user_id", "must be at most 512 characters");
  return { status, externalUserId: req.externalUserId === "" ? undefined : req.externalUserId };
}

function validDate(field: string, date: Date): Date {
  const year = date.getUTCFullYear();
  if (!Number.isFinite(date.getTime()) || year < 2000 || year > 2200)
    throw invalidArgument(field, "is out of range");
  return date;
}
