import { publishWorkBatch } from "@warden/bus";
import { jobOutboxEvent } from "@warden/events";
import { enqueueEvents } from "@warden/outbox";
import { RevokeWorkItemSchema } from "@warden/proto/work/v1";
import { publishRevokePlan } from "@warden/revoke-jobs";
import { sql } from "kysely";
import type { SweeperTask, TaskRunContext } from "../scheduler/sweeper-task.js";
import { BATCH_SIZE, type TaskDeps } from "./task-deps.js";

export interface JobsRecoveryOptions {
  intervalMs: number;
  /** A pending item untouched this long, with nothing of its job left in the stream, is republished. */
  itemTimeoutMs: number;
  /** A job still planning this long after its last update gets its plan republished. */
  planningTimeoutMs: number;
}

/**
 * jobs-recovery: finalises running jobs with nothing pending, republishes the
 * work of jobs whose items are stuck pending with nothing in flight, and
 * replans jobs stuck in planning (e.g. the gateway crashed before publishing).
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
      const republished = await republishStuckItems(deps, options, context);
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

async function republishStuckItems(
  deps: TaskDeps,
  options: JobsRecoveryOptions,
  context: TaskRunContext,
): Promise<number> {
  const cutoff = new Date(context.now.getTime() - options.itemTimeoutMs);
  const stuckJobs = await deps.db
    .selectFrom("revoke_jobs as j")
    .select(["j.id", "j.run"])
    .where("j.status", "=", "running")
    .where("j.pending", ">", 0)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom("revoke_items as i")
          .select("i.account_id")
          .whereRef("i.job_id", "=", "j.id")
          .whereRef("i.run", "=", "j.run")
          .where("i.status", "=", "pending")
          .where(sql<Date>`coalesce(i.published_at, i.updated_at)`, "<", cutoff),
      ),
    )
    .execute();
  let republished = 0;
  for (const job of stuckJobs) {
    context.signal.throwIfAborted();
    // A message still in the work queue (waiting, in flight or backing off
    // after a nak) means the executor has it: not stuck, only slow.
    if ((await messagesInStream(deps, job.id)) > 0) continue;
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
      if (items.length === 0) break;
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
    context.logger.warn({ jobId: job.id, run: job.run }, "republished stuck revoke items");
  }
  return republished;
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
  for (const job of jobs) {
    context.signal.throwIfAborted();
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
