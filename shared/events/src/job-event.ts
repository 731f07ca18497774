import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { JobEventKind } from "@warden/bus";
import type { RevokeJobRow } from "@warden/db";
import { JobEventSchema, type JobEvent } from "@warden/proto/events/v1";
import { jobToProto } from "./job-to-proto.js";

/** Job row → warden.events.v1.JobEvent: the job as RPCs show it, stamped `occurredAt` (default now). */
export function jobEventOf(row: RevokeJobRow, occurredAt = new Date()): JobEvent {
  return create(JobEventSchema, { job: jobToProto(row), occurredAt: timestampFromDate(occurredAt) });
}

/**
 * `Nats-Msg-Id` of a job's `kind` event for its current run, `<kind>:<job>:<run>`:
 * every service publishing that event for that run uses the same id, so the
 * events stream records it once (e.g. `completed` from the executor and the
 * jobs-recovery sweep).
 */
export function jobEventMsgId(job: Pick<RevokeJobRow, "id" | "run">, kind: JobEventKind): string {
  return `${kind}:${job.id}:${job.run}`;
}
