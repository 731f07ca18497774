// Test support (not a test): rows shaped as the database returns them.
import type { LeaseRow, RevokeJobRow } from "@warden/db";

/** A running project job with every counter set. */
export function jobRow(overrides: Partial<RevokeJobRow> = {}): RevokeJobRow {
  return {
    id: "pj_1",
    org_id: "org_1",
    project_id: "prj_1",
    scope_kind: "project",
    scope_id: "prj_1",
    status: "running",
    run: 2,
    force: true,
    total: 10,
    pending: 4,
    revoked: 3,
    failed: 1,
    skipped: 1,
    cancelled: 1,
    plan_cursor: "ca_9",
    published_cursor: null,
    created_at: new Date("2026-11-22T10:00:00.123Z"),
    updated_at: new Date("2026-11-22T10:05:00.456Z"),
    finished_at: null,
    ...overrides,
  };
}

/** An active lease expiring at 12:00, with a token hash that must never be copied anywhere. */
export function leaseRow(overrides: Partial<LeaseRow> = {}): LeaseRow {
  return {
    id: "ls_1",
    org_id: "org_1",
    project_id: "prj_1",
    account_id: "ca_1",
    holder: "agent-7",
    purpose: "nightly sync",
    status: "active",
    token_hash: "HASH_OF_SECRET_LEASE_TOKEN",
    created_at: new Date("2026-11-22T10:00:00Z"),
    expires_at: new Date("2026-11-22T12:00:00Z"),
    ended_at: null,
    ...overrides,
  };
}
