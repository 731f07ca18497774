import { publishWork, type BusNames } from "@warden/bus";
import { RevokePlanSchema } from "@warden/proto/work/v1";
import type { JetStreamClient } from "nats";

/** `Nats-Msg-Id` of a job run's plan, `plan:<job>:<run>`: a run is planned once however often it is published. */
export function planMsgId(jobId: string, run: number): string {
  return `plan:${jobId}:${run}`;
}

export interface PublishRevokePlanOptions {
  /**
   * Appended to the msg id (`plan:<job>:<run>:<suffix>`) when a plan must land
   * again inside the duplicate window, e.g. `recover:<runId>` from the
   * jobs-recovery sweep; the planner ignores a plan for a run already planned.
   */
  msgIdSuffix?: string;
  /** How long to wait for the PubAck. Defaults to the client's request timeout. */
  timeoutMs?: number;
  /** Publish attempts (the msg id makes retries safe). Default 1. */
  attempts?: number;
}

/** Publishes RevokePlan{job_id, run} to `<ns>.revoke.plan`; resolves once the stream stored it (or already had it). */
export async function publishRevokePlan(
  js: JetStreamClient,
  names: BusNames,
  job: { id: string; run: number },
  options: PublishRevokePlanOptions = {},
): Promise<void> {
  const msgId = planMsgId(job.id, job.run);
  await publishWork(
    js,
    names.subjects.revokePlan,
    RevokePlanSchema,
    { jobId: job.id, run: job.run },
    {
      msgId: options.msgIdSuffix === undefined ? msgId : `${msgId}:${options.msgIdSuffix}`,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.attempts === undefined ? {} : { attempts: options.attempts }),
    },
  );
}
