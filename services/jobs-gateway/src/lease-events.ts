import { busNames, type LeaseEventKind } from "@warden/bus";
import type { Database, LeaseRow } from "@warden/db";
import { leaseOutboxEvent } from "@warden/events";
import { enqueueEvents } from "@warden/outbox";
import type { Transaction } from "kysely";

/** Writes lease events to the outbox in the transaction that changed the leases. */
export type WriteLeaseEvents = (
  trx: Transaction<Database>,
  leases: readonly LeaseRow[],
  kind: LeaseEventKind,
  at: Date,
) => Promise<void>;

/**
 * LeaseEvents on `<ns>.events.lease.<id>.<kind>` (the lease as callers see it,
 * never its token or hash), written to the outbox with the lease change so
 * they commit (and are published) exactly when it does; event id
 * `lease:<id>:<kind>`.
 */
export function createLeaseEventWriter(deps: { namespace: string }): WriteLeaseEvents {
  const names = busNames(deps.namespace);
  return async (trx, leases, kind, at) => {
    await enqueueEvents(
      trx,
      leases.map((lease) => leaseOutboxEvent(names, lease, kind, at)),
    );
  };
}
