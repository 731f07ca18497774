import { toJsonString } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { LeaseEventSchema } from "@warden/proto/events/v1";
import { LeaseStatus } from "@warden/proto/leases/v1";
import { describe, expect, it } from "vitest";
import { leaseEventOf } from "./lease-event.js";
import { leaseToProto } from "./lease-to-proto.js";
import { leaseRow } from "./test-rows.js";

describe("leaseEventOf", () => {
  it("carries the lease as callers see it at the event's time, without its token hash", () => {
    const endedAt = new Date("2026-11-22T10:30:00Z");
    const row = leaseRow({ status: "revoked", ended_at: endedAt });
    const event = leaseEventOf(row, endedAt);
    expect(event.lease).toEqual(leaseToProto(row, endedAt));
    expect(event.lease?.status).toBe(LeaseStatus.REVOKED);
    expect(timestampDate(event.occurredAt!).getTime()).toBe(endedAt.getTime());
    expect(toJsonString(LeaseEventSchema, event)).not.toContain("HASH_OF_SECRET_LEASE_TOKEN");
  });

  it("an expired lease's event reports EXPIRED ended at its ended_at", () => {
    const endedAt = new Date("2026-11-22T12:00:02Z");
    const event = leaseEventOf(leaseRow({ status: "expired", ended_at: endedAt }), endedAt);
    expect(event.lease?.status).toBe(LeaseStatus.EXPIRED);
    expect(timestampDate(event.lease!.endedAt!).getTime()).toBe(endedAt.getTime());
  });
});
