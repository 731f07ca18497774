import type { Database } from "@warden/db";
import type { Logger } from "@warden/logger";
import type { Redis } from "@warden/redis";
import type { Kysely } from "kysely";
import { abortableSleep, isPermanent, retryDelayMs, type RetryPolicy } from "../retry-policy.js";
import { runWithLease, type LeasedRunResult } from "./run-with-lease.js";
import type { SweeperTask } from "./sweeper-task.js";
import { acquireTaskLease, leaseOwner, taskLeaseKey } from "./task-lease.js";
import type { RunOutcome, TaskMetrics } from "./task-metrics.js";
import {
  backoffUntil,
  claimSlot,
  consecutiveFailures,
  ensureTaskRow,
  finishSlot,
  recordTaskRun,
  type StoredOutcome,
} from "./task-runs.repository.js";

export interface SchedulerOptions {
  db: Kysely<Database>;
  redis: Redis;
  logger: Logger;
  metrics: TaskMetrics;
  tasks: SweeperTask[];
  /** This replica's id, stored as the lease owner and the run's leader. */
  instanceId: string;
  leaseTtlMs: number;
  /** Backoff for failed runs, shared by every replica through sweeper_tasks.retry_at. */
  retryPolicy: RetryPolicy;
  /** Upper bound of the random delay after each slot boundary (spreads replicas' lock attempts). */
  startJitterMs?: number;
}

/** The outcome of one manual run. */
export interface ManualRunResult {
  outcome: "success" | "failure" | "aborted" | "busy";
  /** The replica holding the lease when `busy`. */
  holder?: string;
}

export interface Scheduler {
  /** Starts one loop per task; each tries the task once per interval slot. */
  start(): void;
  /** Runs a task now under its lease (not tied to a slot); `busy` if another run holds the lease. */
  runNow(name: string): Promise<ManualRunResult>;
  readonly tasks: readonly SweeperTask[];
  /** Stops the loops, aborts runs in progress and waits for them to settle. */
  stop(): Promise<void>;
}

/**
 * Builds the scheduler: each task runs on exactly one replica per interval
 * slot (`floor(now / interval)`), holding a Redis lease with renewal while it
 * runs; the slot ledger (sweeper_task_runs) makes a slot run once even when
 * replicas' timers drift, and losing the lease aborts the run.
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const { db, redis, logger, metrics, instanceId, leaseTtlMs } = options;
  const stopController = new AbortController();
  const loops: Promise<void>[] = [];
  const inFlight = new Set<Promise<unknown>>();
  const byName = new Map(options.tasks.map((task) => [task.name, task]));

  const track = <T>(promise: Promise<T>): Promise<T> => {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise)).catch(() => undefined);
    return promise;
  };

  const finish = async (
    task: SweeperTask,
    result: LeasedRunResult,
    startedMs: number,
    slot: number | undefined,
  ): Promise<{ outcome: StoredOutcome; retryAt?: number }> => {
    const seconds = (Date.now() - startedMs) / 1000;
    const outcome: StoredOutcome = result.kind;
    const error = result.kind === "success" ? undefined : errorMessage(result.error);
    const retryable = result.kind !== "failure" || !isPermanent(result.error);
    let retryAt: Date | null = null;
    if (outcome !== "success" && retryable) {
      const failures = (await consecutiveFailures(db, task.name)) + 1;
      retryAt = new Date(Date.now() + retryDelayMs(options.retryPolicy, failures));
    }
    if (slot !== undefined) await finishSlot(db, task.name, slot, outcome, error, retryable);
    await recordTaskRun(db, task.name, instanceId, outcome, error, retryAt);
    metrics.recordOutcome(task.name, outcome as RunOutcome);
    metrics.recordDuration(task.name, outcome as RunOutcome, seconds);
    const fields = { task: task.name, slot, outcome, durationMs: Math.round(seconds * 1000) };
    if (result.kind === "success") logger.info({ ...fields, ...(result.summary ?? {}) }, "task run finished");
    else logger.warn({ ...fields, error, retryAt }, "task run did not succeed");
    return { outcome, ...(retryAt ? { retryAt: retryAt.getTime() } : {}) };
  };

  /** Tries the task's current slot; returns when a retry is due earlier than the next slot, if any. */
  const attemptSlot = async (task: SweeperTask, slot: number): Promise<number | undefined> => {
    const backoff = await backoffUntil(db, task.name);
    if (backoff) {
      metrics.recordOutcome(task.name, "skipped_backoff");
      return backoff.getTime();
    }
    const lease = await acquireTaskLease(redis, task.name, instanceId, leaseTtlMs);
    if (lease === undefined) {
      // Another replica holds the task: the normal case, not worth more than debug.
      metrics.recordOutcome(task.name, "skipped_lock");
      logger.debug({ task: task.name, slot }, "task lease held elsewhere");
      return undefined;
    }
    let claimed = false;
    try {
      claimed = await claimSlot(db, task.name, slot, instanceId);
    } finally {
      if (!claimed) await lease.release().catch(() => undefined);
    }
    if (!claimed) {
      metrics.recordOutcome(task.name, "skipped_lock");
      logger.debug({ task: task.name, slot }, "slot already ran");
      return undefined;
    }
    const startedMs = Date.now();
    const result = await runWithLease({
      task,
      lease,
      ttlMs: leaseTtlMs,
      runId: String(slot),
      logger: logger.child({ task: task.name, slot }),
      stopSignal: stopController.signal,
    });
    return (await finish(task, result, startedMs, slot)).retryAt;
  };

  const loop = async (task: SweeperTask) => {
    const signal = stopController.signal;
    await ensureTaskRow(db, task.name);
    while (!signal.aborted) {
      const slot = Math.floor(Date.now() / task.intervalMs);
      let retryAt: number | undefined;
      try {
        retryAt = await track(attemptSlot(task, slot));
      } catch (error) {
        // Redis or Postgres unreachable: nothing ran; try again next slot.
        logger.warn({ task: task.name, slot, err: error }, "could not attempt task");
      }
      const nextSlotMs = (Math.floor(Date.now() / task.intervalMs) + 1) * task.intervalMs;
      const jitter = Math.random() * Math.min(options.startJitterMs ?? 250, task.intervalMs / 10);
      const wakeAt = Math.min(nextSlotMs + jitter, retryAt ?? Number.POSITIVE_INFINITY);
      await abortableSleep(Math.max(0, wakeAt - Date.now()), signal).catch(() => undefined);
    }
  };

  return {
    tasks: options.tasks,
    start() {
      for (const task of options.tasks) {
        loops.push(
          loop(task).catch((error: unknown) =>
            logger.error({ task: task.name, err: error }, "task loop crashed"),
          ),
        );
      }
    },
    async runNow(name) {
      const task = byName.get(name);
      if (task === undefined) throw new Error(`unknown task ${name}`);
      await ensureTaskRow(db, task.name);
      const lease = await acquireTaskLease(redis, task.name, instanceId, leaseTtlMs);
      if (lease === undefined) {
        const holder = leaseOwner(await redis.get(taskLeaseKey(task.name)));
        metrics.recordOutcome(task.name, "skipped_lock");
        return { outcome: "busy", ...(holder ? { holder } : {}) };
      }
      const startedMs = Date.now();
      const run = track(
        runWithLease({
          task,
          lease,
          ttlMs: leaseTtlMs,
          runId: `manual-${startedMs}`,
          logger: logger.child({ task: task.name, manual: true }),
          stopSignal: stopController.signal,
        }),
      );
      const { outcome } = await finish(task, await run, startedMs, undefined);
      return { outcome };
    },
    async stop() {
      stopController.abort(new Error("sweeper stopping"));
      await Promise.allSettled([...loops, ...inFlight]);
    },
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
