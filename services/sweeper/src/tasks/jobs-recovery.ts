import { jobItemsConsumerName, publishWorkBatch, resetStaleConsumer } from "@warden/bus";
import { jobOutboxEvent } from "@warden/events";
import { enqueueEvents } from "@warden/outbox";
import { RevokeWorkItemSchema } from "@warden/proto/work/v1";
import { publishRevokePlan } from "@warden/revoke-jobs";
import { sql } from "kysely";
import type { SweeperTask, TaskRunContext } from "../scheduler/sweeper-task.js";
import { BATCH_SIZE, type TaskDeps } from "./task-deps.js";

export interface JobsRecoveryOptions {
  intervalMs: number;
  /** A running job with no progress this long is re-driven (see redriveStalledJobs). */
  itemTimeoutMs: number;
  /** A job still planning this long after its last update gets its plan republished. */
  planningTimeoutMs: number;
}

/**
 * jobs-recovery: finalises running jobs with nothing pending, re-drives
 * running jobs that stopped progressing from their ledger, and replans jobs
 * stuck in planning (e.g. the gateway crashed before publishing, or NATS lost
 * the plan).
 *
 * Msg ids: a republished item is `item:<job>:<run>:<account>:recover:<runId>`
 * and a plan `plan:<job>:<run>:recover:<runId>`. Reusing the original id
 * would be dropped by the stream if it fell inside the duplicate window
 * (2 min by default, and the timeouts are configurable below it), leaving the
 * item stuck; a fresh suffix per recovery run always lands, the run id keeps a
 * retried publish within one run deduplicated, and a second delivery is
 * harmless because the executor's final write is conditional (pending, same run).
 */
export function createJobsRecoveryTask(deps: TaskDeps, options: JobsRecoveryOptions): SweeperTask {
  return {
    name: "jobs-recovery",
    intervalMs: options.intervalMs,
    async run(context) {
      const completed = await finaliseDrainedJobs(deps, context);
      const republished = await redriveStalledJobs(deps, options, context);
      const replanned = await replanStuckPlans(deps, options, context);
      return { completed, republished, replanned };
    },
  };
}

async function finaliseDrainedJobs(deps: TaskDeps, context: TaskRunContext): Promise<number> {
  // The completion and its `completed` event commit together (same event id as the executor's).
  const jobs = await deps.db.transaction().execute(async (trx) => {
    const finalised = await trx
      .updateTable("revoke_jobs")
      .set({ status: "completed", finished_at: sql`now()`, updated_at: sql`now()` })
      .where("status", "=", "running")
      .where("pending", "=", 0)
      .returningAll()
      .execute();
    await enqueueEvents(
      trx,
      finalised.map((job) => jobOutboxEvent(deps.names, job, "completed")),
    );
    return finalised;
  });
  for (const job of jobs) {
    context.logger.info(
      { jobId: job.id, run: job.run, failed: job.failed },
      "finalised a drained revoke job",
    );
  }
  return jobs.length;
}

/**
 * Re-drives running jobs that made no progress for `itemTimeoutMs`, from the
 * ledger: PostgreSQL says what is pending, JetStream only carries it.
 *
 * Progress is the job row's `updated_at`, which every ledger batch settling one
 * of the job's items moves (and planning moves per batch), so a healthy job,
 * however large, costs one row of this indexed read and nothing else.
 *
 * For a stalled job: a per-job consumer whose position lies past the stream's
 * last sequence (a nats-server that lost unsynced messages restarts with its
 * sequence reset) is deleted, so executors re-create it from the first stored
 * message; and when the stream holds fewer of the job's messages than the
 * ledger has pending items (messages lost), the pending items not touched
 * within the timeout are republished. Items in back-off still have their
 * nak'ed message stored, so a job that is only backing off republishes nothing.
 * The job's `updated_at` is then touched, so the next re-drive of a job that
 * stays stuck comes one timeout later and never rescans its ledger every tick.
 */
async function redriveStalledJobs(
  deps: TaskDeps,
  options: JobsRecoveryOptions,
  context: TaskRunContext,
): Promise<number> {
  const cutoff = new Date(context.now.getTime() - options.itemTimeoutMs);
  const stalled = await deps.db
    .selectFrom("revoke_jobs")
    .select(["id", "run", "pending"])
    .where("status", "=", "running")
    .where("pending", ">", 0)
    .where("updated_at", "<", cutoff)
    .orderBy("updated_at")
    .limit(BATCH_SIZE)
    .execute();
  let republished = 0;
  for (const job of stalled) {
    context.signal.throwIfAborted();
    const consumer = await resetStaleConsumer(
      deps.bus.jsm,
      deps.names.streams.revokeItems,
      jobItemsConsumerName(job.id),
    );
    const stored = await messagesInStream(deps, job.id);
    const sent = stored < job.pending ? await republishPendingItems(deps, job, cutoff, context) : 0;
    republished += sent;
    await deps.db
      .updateTable("revoke_jobs")
      .set({ updated_at: sql`now()` })
      .where("id", "=", job.id)
      .where("status", "=", "running")
      .where("updated_at", "<", cutoff)
      .execute();
    context.logger.warn(
      { jobId: job.id, run: job.run, pending: job.pending, stored, consumer, republished: sent },
      "re-drove a stalled revoke job",
    );
  }
  return republished;
}

async function republishPendingItems(
  deps: TaskDeps,
  job: { id: string; run: number },
  cutoff: Date,
  context: TaskRunContext,
): Promise<number> {
  let republished = 0;
  let after = "";
  for (;;) {
    context.signal.throwIfAborted();
    const items = await deps.db
      .selectFrom("revoke_items")
      .select(["account_id", "auth_config_id", "run"])
      .where("job_id", "=", job.id)
      .where("run", "=", job.run)
      .where("status", "=", "pending")
      .where(sql<Date>`coalesce(published_at, updated_at)`, "<", cutoff)
      .where("account_id", ">", after)
      .orderBy("account_id")
      .limit(BATCH_SIZE)
      .execute();
    if (items.length === 0) return republished;
    await publishWorkBatch(
      deps.bus.nc,
      items.map((item) => ({
        subject: deps.names.subjects.revokeItem(job.id),
        schema: RevokeWorkItemSchema,
        message: {
          jobId: job.id,
          run: item.run,
          accountId: item.account_id,
          authConfigId: item.auth_config_id,
        },
        msgId: `item:${job.id}:${item.run}:${item.account_id}:recover:${context.runId}`,
      })),
    );
    await deps.db
      .updateTable("revoke_items")
      .set({ published_at: sql`now()` })
      .where("job_id", "=", job.id)
      .where("run", "=", job.run)
      .where("status", "=", "pending")
      .where(
        "account_id",
        "in",
        items.map((i) => i.account_id),
      )
      .execute();
    republished += items.length;
    after = items[items.length - 1]!.account_id;
  }
}

async function messagesInStream(deps: TaskDeps, jobId: string): Promise<number> {
  const subject = deps.names.subjects.revokeItem(jobId);
  const info = await deps.bus.jsm.streams.info(deps.names.streams.revokeItems, { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}

async function replanStuckPlans(
  deps: TaskDeps,
  options: JobsRecoveryOptions,
  context: TaskRunContext,
): Promise<number> {
  const cutoff = new Date(context.now.getTime() - options.planningTimeoutMs);
  const jobs = await deps.db
    .selectFrom("revoke_jobs")
    .select(["id", "run", "updated_at"])
    .where("status", "=", "planning")
    .where("updated_at", "<", cutoff)
    .orderBy("updated_at")
    .limit(BATCH_SIZE)
    .execute();
  if (jobs.length > 0) {
    // A plan republished to a planner durable stuck past a reset stream sequence would never be delivered.
    const planner = await resetStaleConsumer(
      deps.bus.jsm,
      deps.names.streams.revokePlan,
      deps.names.consumers.revokePlanner,
    );
    if (planner === "reset") context.logger.warn("reset the planner consumer past the plan stream's end");
  }
  for (const job of jobs) {
    context.signal.throwIfAborted();
    await resetStaleConsumer(deps.bus.jsm, deps.names.streams.revokeItems, jobItemsConsumerName(job.id));
    await publishRevokePlan(deps.bus.js, deps.names, job, {
      msgIdSuffix: `recover:${context.runId}`,
      attempts: 3,
    });
    // Touching updated_at spaces the next replan by another timeout, so a
    // planner that is merely down does not get a plan every interval.
    await deps.db
      .updateTable("revoke_jobs")
      .set({ updated_at: sql`now()` })
      .where("id", "=", job.id)
      .where("status", "=", "planning")
      .execute();
    context.logger.warn({ jobId: job.id, run: job.run }, "republished the plan of a job stuck in planning");
  }
  return jobs.length;
}
