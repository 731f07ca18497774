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

/**
 * How an account stopped existing: `deleted` when DeleteConnectedAccount
 * soft-deletes it (tokens unreadable from then on), `purged` when the
 * sweeper hard-deletes its row and ciphertexts after the safety window.
 */
export type AccountDeletion = "deleted" | "purged";

/**
 * An account `deleted` event for the outbox (ids only, never a token), with
 * `status_reason` saying which deletion it reports. Each deletion happens to an
 * account at most once, so its id is `account:<id>:<deletion>` and a repeated
 * write of the same fact dedupes; the soft delete and the later purge are two
 * facts with two ids.
 */
export function accountDeletedOutboxEvent(
  names: BusNames,
  account: RevokedAccount,
  deletion: AccountDeletion,
  options: { jobId?: string; occurredAt?: Date } = {},
): OutboxEvent {
  return outboxEventOf(
    names.subjects.accountEvent(account.id, "deleted"),
    AccountEventSchema,
    {
      accountId: account.id,
      orgId: account.org_id,
      projectId: account.project_id,
      authConfigId: account.auth_config_id,
      jobId: options.jobId ?? "",
      statusReason: deletion,
      occurredAt: timestampFromDate(options.occurredAt ?? new Date()),
    },
    `account:${account.id}:${deletion}`,
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
