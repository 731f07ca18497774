import { busNames, publishEvent, type Bus, type LeaseEventKind } from "@warden/bus";
import type { LeaseRow } from "@warden/db";
import { leaseEventOf } from "@warden/events";
import type { Logger } from "@warden/logger";
import { LeaseEventSchema } from "@warden/proto/events/v1";

// Bounded so an RPC never hangs on a NATS outage: the lease change is already
// committed, and a checkout must still hand out its token (it is shown once).
const PUBLISH_TIMEOUT_MS = 3_000;

/** Publishes one lease event; never throws. */
export type PublishLeaseEvent = (lease: LeaseRow, kind: LeaseEventKind, at: Date) => Promise<void>;

/**
 * Publishes LeaseEvents on `<ns>.events.lease.<id>.<kind>` (the lease as
 * callers see it, never its token or hash), deduplicated per lease and kind;
 * a failure is logged, never thrown (events are notifications, not state).
 */
export function createLeaseEventPublisher(deps: {
  bus: Bus;
  namespace: string;
  logger: Logger;
}): PublishLeaseEvent {
  const { bus, logger } = deps;
  const names = busNames(deps.namespace);
  return async (lease, kind, at) => {
    try {
      await publishEvent(
        bus.js,
        names.subjects.leaseEvent(lease.id, kind),
        LeaseEventSchema,
        leaseEventOf(lease, at),
        {
          msgId: `lease:${lease.id}:${kind}`,
          timeoutMs: PUBLISH_TIMEOUT_MS,
        },
      );
    } catch (error) {
      logger.warn(
        { leaseId: lease.id, kind, err: { message: (error as Error).message } },
        "could not publish lease event",
      );
    }
  };
}
