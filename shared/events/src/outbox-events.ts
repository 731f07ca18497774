import type { MessageInitShape } from "@bufbuild/protobuf";
import type { AccountEventKind, BusNames, JobEventKind, LeaseEventKind } from "@warden/bus";
import type { RevokeJobRow } from "@warden/db";
import { newEventId, outboxEventOf, type OutboxEvent } from "@warden/outbox";
import { AccountEventSchema, JobEventSchema, LeaseEventSchema } from "@warden/proto/events/v1";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { accountRevokedEventOf, type RevokedAccount } from "./account-event.js";
import { jobEventMsgId, jobEventOf } from "./job-event.js";
import { leaseEventOf } from "./lease-event.js";
import type { VisibleLeaseRow } from "./lease-to-proto.js";

// Builders for the outbox: each returns the event encoded, on its §4 subject,
// with its event_id set. Pass the result to enqueueEvents in the transaction
// that made the change.

/**
 * A job event for the outbox. `created`, `completed` and `cancelled` happen
 * once per run, so their id is `<kind>:<job>:<run>` (two writers of the same
 * fact dedupe); each `progress` is a distinct snapshot with a fresh id.
 */
export function jobOutboxEvent(
  names: BusNames,
  job: RevokeJobRow,
  kind: JobEventKind,
  occurredAt = new Date(),
): OutboxEvent {
  const eventId = kind === "progress" ? newEventId() : jobEventMsgId(job, kind);
  return outboxEventOf(
    names.subjects.jobEvent(job.id, kind),
    JobEventSchema,
    jobEventOf(job, occurredAt),
    eventId,
  );
}

/** An account `revoked` event for the outbox, naming the job; ids only, never a token. */
export function accountRevokedOutboxEvent(
  names: BusNames,
  account: RevokedAccount,
  jobId: string,
  occurredAt = new Date(),
): OutboxEvent {
  return outboxEventOf(
    names.subjects.accountEvent(account.id, "revoked"),
    AccountEventSchema,
    accountRevokedEventOf(account, jobId, occurredAt),
  );
}

/** The fields an account event may carry (never a token); `occurredAt` defaults to now. */
export type AccountEventFields = Omit<
  MessageInitShape<typeof AccountEventSchema>,
  "eventId" | "$typeName"
> & {
  accountId: string;
};

/** Any account event for the outbox (refreshed, refresh_failed, needs_reconnect, revoked, deleted). */
export function accountOutboxEvent(
  names: BusNames,
  kind: AccountEventKind,
  fields: AccountEventFields,
): OutboxEvent {
  return outboxEventOf(names.subjects.accountEvent(fields.accountId, kind), AccountEventSchema, {
    occurredAt: timestampFromDate(new Date()),
    ...fields,
  });
}

/**
 * A lease event for the outbox: the lease as callers see it at `occurredAt`,
 * never its token or hash. A lease reaches each state at most once, so its id
 * is `lease:<id>:<kind>` and two writers of the same fact dedupe.
 */
export function leaseOutboxEvent(
  names: BusNames,
  lease: VisibleLeaseRow,
  kind: LeaseEventKind,
  occurredAt: Date,
): OutboxEvent {
  return outboxEventOf(
    names.subjects.leaseEvent(lease.id, kind),
    LeaseEventSchema,
    leaseEventOf(lease, occurredAt),
    `lease:${lease.id}:${kind}`,
  );
}
