import { leaseOutboxEvent } from "@warden/events";
import { enqueueEvents } from "@warden/outbox";
import { sql } from "kysely";
import type { SweeperTask } from "../scheduler/sweeper-task.js";
import { BATCH_SIZE, type TaskDeps } from "./task-deps.js";

export interface LeasesExpiryOptions {
  intervalMs: number;
}

/**
 * leases-expiry: marks active leases past expires_at `expired` (ended_at now)
 * and writes `events.lease.<id>.expired` for each to the outbox in the same
 * transaction (event id `lease:<id>:expired`). Lease tokens
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
        // The expiry and its events commit together.
        const leases = await deps.db.transaction().execute(async (trx) => {
          const ended = await trx
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
          await enqueueEvents(
            trx,
            ended.map((lease) =>
              leaseOutboxEvent(deps.names, lease, "expired", lease.ended_at ?? new Date()),
            ),
          );
          return ended;
        });
        expired += leases.length;
        if (leases.length < BATCH_SIZE) break;
      }
      return { expired };
    },
  };
}
