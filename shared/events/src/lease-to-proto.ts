import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { LeaseRow, LeaseStatusColumn } from "@warden/db";
import { LeaseSchema, LeaseStatus, type Lease } from "@warden/proto/leases/v1";

// Lease rows to wire messages. The row's token_hash is deliberately not
// accepted or copied: a lease token (or anything derived from it) never
// leaves checkout.

/** A lease row as callers may see it: everything but its token hash. */
export type VisibleLeaseRow = Omit<LeaseRow, "token_hash">;

const STATUS_TO_PROTO: Record<LeaseStatusColumn, LeaseStatus> = {
  active: LeaseStatus.ACTIVE,
  checked_in: LeaseStatus.CHECKED_IN,
  revoked: LeaseStatus.REVOKED,
  expired: LeaseStatus.EXPIRED,
};

/** True when a lease still grants access at `now`: active and not yet past its expiry. */
export function isLeaseLive(row: Pick<LeaseRow, "status" | "expires_at">, now: Date): boolean {
  return row.status === "active" && row.expires_at.getTime() > now.getTime();
}

/**
 * Lease row → warden.leases.v1.Lease, without its token hash. An active row
 * past its expiry is reported EXPIRED (with ended_at = expires_at) even before
 * the sweeper marks it, so callers never see a lease as usable when its token
 * no longer works.
 */
export function leaseToProto(row: VisibleLeaseRow, now: Date): Lease {
  const lapsed = row.status === "active" && !isLeaseLive(row, now);
  const endedAt = lapsed ? row.expires_at : row.ended_at;
  return create(LeaseSchema, {
    id: row.id,
    accountId: row.account_id,
    projectId: row.project_id,
    holder: row.holder,
    purpose: row.purpose,
    status: lapsed ? LeaseStatus.EXPIRED : STATUS_TO_PROTO[row.status],
    createdAt: timestampFromDate(row.created_at),
    expiresAt: timestampFromDate(row.expires_at),
    endedAt: endedAt ? timestampFromDate(endedAt) : undefined,
  });
}
