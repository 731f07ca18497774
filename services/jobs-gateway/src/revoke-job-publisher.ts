import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { busNames, publishEvent, publishWork, type Bus, type JobEventKind } from "@warden/bus";
import type { RevokeJobRow } from "@warden/db";
import type { Logger } from "@warden/logger";
import { JobEventSchema } from "@warden/proto/events/v1";
import { RevokePlanSchema } from "@warden/proto/work/v1";
import { jobToProto } from "./job-to-proto.js";

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
 * once however often it is published) and job events, logging failures.
 */
export function createRevokeJobPublisher(deps: {
  bus: Bus;
  namespace: string;
  logger: Logger;
}): RevokeJobPublisher {
  const { bus, logger } = deps;
  const names = busNames(deps.namespace);
  return {
    async publishPlan(job) {
      try {
        await publishWork(
          bus.js,
          names.subjects.revokePlan,
          RevokePlanSchema,
          { jobId: job.id, run: job.run },
          { msgId: `plan:${job.id}:${job.run}`, timeoutMs: PUBLISH_TIMEOUT_MS },
        );
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
        await publishEvent(
          bus.js,
          names.subjects.jobEvent(job.id, kind),
          JobEventSchema,
          { job: jobToProto(job), occurredAt: timestampFromDate(new Date()) },
          { msgId: `gateway:${job.id}:${job.run}:${kind}`, timeoutMs: PUBLISH_TIMEOUT_MS },
        );
      } catch (error) {
        logger.warn(
          { jobId: job.id, kind, err: { message: (error as Error).message } },
          "could not publish job event",
        );
      }
    },
  };
}
