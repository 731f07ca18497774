import type { Context } from "@opentelemetry/api";
import { publishWorkBatch, type Bus, type BusNames, type WorkOutcome } from "@warden/bus";
import type { Database } from "@warden/db";
import type { Logger } from "@warden/logger";
import { RevokeWorkItemSchema, type RevokePlan } from "@warden/proto/work/v1";
import { withSpanIn } from "@warden/telemetry";
import type { Kysely } from "kysely";
import type { JobEvents } from "../job-events.js";
import {
  advancePublishedCursor,
  expandNextBatch,
  findJob,
  finishPlanning,
  unpublishedItems,
  type PlannedItem,
} from "../repositories/planning.repository.js";
import type { RevokeMetrics } from "../revoke-metrics.js";

export interface PlannerDeps {
  db: Kysely<Database>;
  bus: Bus;
  names: BusNames;
  /** Creates the job's items consumer before any item is published. */
  ensureJobConsumer: (jobId: string) => Promise<void>;
  events: JobEvents;
  logger: Logger;
  batchSize: number;
  /** Aborts on shutdown: planning stops between batches and the plan is handed back. */
  signal: AbortSignal;
  metrics: Pick<RevokeMetrics, "itemsPlanned">;
}

/**
 * Plans one run of a job: publishes this run's pending items above the job's
 * published_cursor (all of a retry run's; after a crash, those expanded but
 * maybe never stored), expands the rest of the scope (run 1) in batches from
 * plan_cursor, then moves the job to running (or completed when nothing is
 * pending). Safe to run again after a crash at any point: nothing is lost
 * (plan_cursor, published_cursor) and nothing duplicated (ON CONFLICT, Nats-Msg-Id).
 */
export function planJobRun(deps: PlannerDeps, plan: RevokePlan, traceContext: Context): Promise<WorkOutcome> {
  // Items are published with this span's context, so each item's trace continues from it.
  const attributes = { "warden.job_id": plan.jobId, "warden.run": plan.run };
  return withSpanIn(traceContext, "revoke.plan", { attributes }, (_span, planTrace) =>
    planInSpan({ ...deps, planTrace }, plan),
  );
}

/** A plan's dependencies while it runs: the planner's, plus the plan span's trace context. */
type PlanRunDeps = PlannerDeps & { planTrace: Context };

async function planInSpan(deps: PlanRunDeps, plan: RevokePlan): Promise<WorkOutcome> {
  const { db, logger } = deps;
  const job = await findJob(db, plan.jobId);
  if (job === undefined || job.run !== plan.run || (job.status !== "planning" && job.status !== "running")) {
    logger.debug({ jobId: plan.jobId, run: plan.run }, "plan no longer applies; dropping it");
    return { kind: "ack" };
  }
  const started = Date.now();
  await deps.ensureJobConsumer(job.id);
  const republished = await publishUnpublished(deps, job.id, plan.run);

  let planned = 0;
  if (plan.run === 1 && job.status === "planning") {
    // Publishing (and then recording as published) batch k overlaps with expanding batch k+1;
    // the ledger rows of a batch are committed before its messages go out, so a crash in
    // between only leaves them unpublished.
    let publishing: Promise<void> = Promise.resolve();
    for (;;) {
      const next = await expandNextBatch(db, job, plan.run, deps.batchSize);
      await publishing;
      if (next.done) break;
      if (deps.signal.aborted) {
        await publishAndAdvanceCursor(deps, job.id, plan.run, next.inserted);
        logger.info(
          { jobId: job.id, planned: planned + next.inserted.length },
          "planning interrupted by shutdown; handing the plan back",
        );
        return { kind: "nak" };
      }
      planned += next.inserted.length;
      deps.metrics.itemsPlanned(next.inserted.length);
      publishing = publishAndAdvanceCursor(deps, job.id, plan.run, next.inserted);
      // Rethrown by the `await publishing` above; this only keeps it from counting as unhandled meanwhile.
      publishing.catch(() => undefined);
    }
  }

  const { job: finished, completedNow } = await finishPlanning(db, deps.names, job.id, plan.run);
  logger.info(
    {
      jobId: job.id,
      run: plan.run,
      planned,
      republished,
      status: finished?.status,
      ms: Date.now() - started,
    },
    "planned revoke job",
  );
  if (finished !== undefined) {
    if (completedNow) deps.events.finished(finished);
    else deps.events.progress(finished);
  }
  return { kind: "ack" };
}

async function publishUnpublished(deps: PlanRunDeps, jobId: string, run: number): Promise<number> {
  let after: string | null = null;
  let count = 0;
  for (;;) {
    const items = await unpublishedItems(deps.db, jobId, run, after, deps.batchSize);
    if (items.length === 0) return count;
    await publishAndAdvanceCursor(deps, jobId, run, items);
    count += items.length;
    after = items[items.length - 1]!.account_id;
  }
}

async function publishAndAdvanceCursor(
  deps: PlanRunDeps,
  jobId: string,
  run: number,
  items: PlannedItem[],
): Promise<void> {
  if (items.length === 0) return;
  await publishItems(deps, jobId, run, items);
  let last = items[0]!.account_id;
  for (const item of items) if (item.account_id > last) last = item.account_id;
  await advancePublishedCursor(deps.db, jobId, run, last);
}

async function publishItems(
  deps: PlanRunDeps,
  jobId: string,
  run: number,
  items: PlannedItem[],
): Promise<void> {
  if (items.length === 0) return;
  const subject = deps.names.subjects.revokeItem(jobId);
  await publishWorkBatch(
    deps.bus.nc,
    items.map((item) => ({
      subject,
      schema: RevokeWorkItemSchema,
      message: { jobId, run, accountId: item.account_id, authConfigId: item.auth_config_id },
      msgId: `item:${jobId}:${run}:${item.account_id}`,
    })),
    { window: 1024, attempts: 5, traceContext: deps.planTrace },
  );
}
