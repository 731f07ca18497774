import type { Bus, BusNames, JobEventKind } from "@warden/bus";
import type { Database, RevokeJobRow } from "@warden/db";
import { jobOutboxEvent } from "@warden/events";
import type { Logger } from "@warden/logger";
import { enqueueEvents } from "@warden/outbox";
import type { Transaction } from "kysely";
import { publishRevokePlan } from "./revoke-plan.js";

// Bounded so an RPC never hangs on a NATS outage; the job row is already
// durable and the sweeper's jobs-recovery task re-publishes a stuck plan.
const PUBLISH_TIMEOUT_MS = 3_000;

export interface RevokeJobPublisher {
  /** Publishes the job's plan for its current run; true if the stream stored it (or already had it). */
  publishPlan(job: RevokeJobRow): Promise<boolean>;
  /**
   * Writes a JobEvent to the outbox in `trx`, the transaction that made the
   * change it reports: published by the relay once (and only if) it commits.
   */
  enqueueJobEvent(trx: Transaction<Database>, job: RevokeJobRow, kind: JobEventKind): Promise<void>;
}

/**
 * Publishes revoke plans (`Nats-Msg-Id plan:<job>:<run>`, so a run is planned
 * once however often it is published; bounded by a 3 s PubAck timeout, failures
 * logged, never thrown) and writes job events to the outbox.
 */
export function createRevokeJobPublisher(deps: {
  bus: Bus;
  names: BusNames;
  logger: Logger;
  /** Plan publish attempts; 1 (fail fast) on an RPC path, more where nobody waits. */
  planAttempts?: number;
}): RevokeJobPublisher {
  const { bus, names, logger } = deps;
  return {
    async publishPlan(job) {
      try {
        await publishRevokePlan(bus.js, names, job, {
          timeoutMs: PUBLISH_TIMEOUT_MS,
          attempts: deps.planAttempts ?? 1,
        });
        return true;
      } catch (error) {
        logger.warn(
          { jobId: job.id, run: job.run, err: { message: (error as Error).message } },
          "could not publish revoke plan; the jobs-recovery sweep will re-publish it",
        );
        return false;
      }
    },
    async enqueueJobEvent(trx, job, kind) {
      await enqueueEvents(trx, [jobOutboxEvent(names, job, kind)]);
    },
  };
}
