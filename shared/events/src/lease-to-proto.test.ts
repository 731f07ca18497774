import { toJsonString } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { LeaseStatusColumn } from "@warden/db";
import { LeaseSchema, LeaseStatus } from "@warden/proto/leases/v1";
import { describe, expect, it } from "vitest";
import { isLeaseLive, leaseToProto } from "./lease-to-proto.js";
import { leaseRow } from "./test-rows.js";

const beforeExpiry = new Date("2026-11-22T11:00:00Z");
const afterExpiry = new Date("2026-11-22T13:00:00Z");

describe("isLeaseLive", () => {
  it("holds only for an active lease before its expiry", () => {
    expect(isLeaseLive(leaseRow(), beforeExpiry)).toBe(true);
    expect(isLeaseLive(leaseRow(), afterExpiry)).toBe(false);
    expect(isLeaseLive(leaseRow({ status: "revoked" }), beforeExpiry)).toBe(false);
  });
});

describe("leaseToProto", () => {
  it("copies the lease's fields and never its token hash", () => {
    const lease = leaseToProto(leaseRow(), beforeExpiry);
    expect(lease).toMatchObject({
      id: "ls_1",
      accountId: "ca_1",
      projectId: "prj_1",
      holder: "agent-7",
      purpose: "nightly sync",
      status: LeaseStatus.ACTIVE,
    });
    expect(timestampDate(lease.expiresAt!).toISOString()).toBe("2026-11-22T12:00:00.000Z");
    expect(lease.endedAt).toBeUndefined();
    expect(toJsonString(LeaseSchema, lease)).not.toContain("HASH_OF_SECRET_LEASE_TOKEN");
  });

  it("reports an active lease past its expiry EXPIRED, ended at its expiry, before the sweeper marks it", () => {
    const lease = leaseToProto(leaseRow(), afterExpiry);
    expect(lease.status).toBe(LeaseStatus.EXPIRED);
    expect(timestampDate(lease.endedAt!).toISOString()).toBe("2026-11-22T12:00:00.000Z");
  });

  it("maps every ended status as stored, with its ended_at", () => {
    const endedAt = new Date("2026-11-22T10:30:00Z");
    const statuses: Array<[LeaseStatusColumn, LeaseStatus]> = [
      ["checked_in", LeaseStatus.CHECKED_IN],
      ["revoked", LeaseStatus.REVOKED],
      ["expired", LeaseStatus.EXPIRED],
    ];
    for (const [column, status] of statuses) {
      const lease = leaseToProto(leaseRow({ status: column, ended_at: endedAt }), afterExpiry);
      expect(lease.status).toBe(status);
      expect(timestampDate(lease.endedAt!).getTime()).toBe(endedAt.getTime());
    }
  });
});
