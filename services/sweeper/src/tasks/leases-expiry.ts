import { publishEvent } from "@warden/bus";
import { leaseEventOf } from "@warden/events";
import { LeaseEventSchema } from "@warden/proto/events/v1";
import { sql } from "kysely";
import type { SweeperTask } from "../scheduler/sweeper-task.js";
import { BATCH_SIZE, type TaskDeps } from "./task-deps.js";

export interface LeasesExpiryOptions {
  intervalMs: number;
}

/**
 * leases-expiry: marks active leases past expires_at `expired` (ended_at now)
 * and publishes `events.lease.<id>.expired` for each (msg id
 * `lease-expired:<id>`, so a retried publish is recorded once). Lease tokens
 * are already refused past expires_at by the authenticator; this makes the
 * state visible and final. The event router turns the events into notifications.
 */
export function createLeasesExpiryTask(deps: TaskDeps, options: LeasesExpiryOptions): SweeperTask {
  return {
    name: "leases-expiry",
    intervalMs: options.intervalMs,
    async run(context) {
      let expired = 0;
      for (;;) {
        context.signal.throwIfAborted();
        const leases = await deps.db
          .updateTable("leases")
          .set({ status: "expired", ended_at: sql`now()` })
          .where("id", "in", (eb) =>
            eb
              .selectFrom("leases")
              .select("id")
              .where("status", "=", "active")
              .where("expires_at", "<=", sql<Date>`now()`)
              .orderBy("expires_at")
              .limit(BATCH_SIZE)
              .forUpdate()
              .skipLocked(),
          )
          .where("status", "=", "active")
          .returningAll()
          .execute();
        for (const lease of leases) {
          await publishEvent(
            deps.bus.js,
            deps.names.subjects.leaseEvent(lease.id, "expired"),
            LeaseEventSchema,
            leaseEventOf(lease, lease.ended_at ?? new Date()),
            {
              msgId: `lease-expired:${lease.id}`,
            },
          );
        }
        expired += leases.length;
        if (leases.length < BATCH_SIZE) break;
      }
      return { expired };
    },
  };
}
