import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { LeaseEventSchema, type LeaseEvent } from "@warden/proto/events/v1";
import { leaseToProto, type VisibleLeaseRow } from "./lease-to-proto.js";

/**
 * Lease row → warden.events.v1.LeaseEvent at `occurredAt`: the lease as
 * callers see it at that moment (see leaseToProto), never its token or hash.
 */
export function leaseEventOf(row: VisibleLeaseRow, occurredAt: Date): LeaseEvent {
  return create(LeaseEventSchema, {
    lease: leaseToProto(row, occurredAt),
    occurredAt: timestampFromDate(occurredAt),
  });
}
