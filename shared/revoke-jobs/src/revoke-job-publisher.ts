import { publishEvent, type Bus, type BusNames, type JobEventKind } from "@warden/bus";
import type { RevokeJobRow } from "@warden/db";
import { jobEventMsgId, jobEventOf } from "@warden/events";
import type { Logger } from "@warden/logger";
import { JobEventSchema } from "@warden/proto/events/v1";
import { publishRevokePlan } from "./revoke-plan.js";

// Bounded so an RPC never hangs on a NATS outage; the job row is already
// durable and the sweeper's jobs-recovery task re-publishes a stuck plan.
const PUBLISH_TIMEOUT_MS = 3_000;

export interface RevokeJobPublisher {
  /** Publishes the job's plan for its current run; true if the stream stored it (or already had it). */
  publishPlan(job: RevokeJobRow): Promise<boolean>;
  /** Publishes a JobEvent; a failure is logged, never thrown (events are notifications, not state). */
  publishJobEvent(job: RevokeJobRow, kind: JobEventKind): Promise<void>;
}

/**
 * Publishes revoke plans (`Nats-Msg-Id plan:<job>:<run>`, so a run is planned
 * once however often it is published) and job events (`<kind>:<job>:<run>`),
 * each bounded by a 3 s PubAck timeout; failures are logged, never thrown.
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
    async publishJobEvent(job, kind) {
      try {
        await publishEvent(bus.js, names.subjects.jobEvent(job.id, kind), JobEventSchema, jobEventOf(job), {
          msgId: jobEventMsgId(job, kind),
          timeoutMs: PUBLISH_TIMEOUT_MS,
        });
      } catch (error) {
        logger.warn(
          { jobId: job.id, kind, err: { message: (error as Error).message } },
          "could not publish job event",
        );
      }
    },
  };
}
