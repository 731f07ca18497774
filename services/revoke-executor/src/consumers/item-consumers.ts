import { setMaxListeners } from "node:events";
import type { Context } from "@opentelemetry/api";
import { runConsumer, type Bus, type BusNames, type WorkOutcome } from "@warden/bus";
import type { Database } from "@warden/db";
import type { Logger } from "@warden/logger";
import { RevokeWorkItemSchema, type RevokeWorkItem } from "@warden/proto/work/v1";
import type { Kysely } from "kysely";
import { jobConsumerName, jobIdOfConsumer, removeFinishedJobConsumer } from "./job-consumer.js";

export interface ItemConsumersOptions {
  db: Kysely<Database>;
  bus: Bus;
  names: BusNames;
  logger: Logger;
  /** Creates the job's consumer if it is missing (before every (re)start of its loop). */
  ensureJobConsumer: (jobId: string) => Promise<void>;
  /**
   * Handles one delivery. `jobSignal` aborts when this job's loop stops (the job
   * was cancelled or finished, or the executor is shutting down), so work still
   * waiting for a provider slot can be handed back instead of calling the provider.
   */
  handle: (
    item: RevokeWorkItem,
    deliveryCount: number,
    jobSignal: AbortSignal,
    traceContext: Context,
  ) => Promise<WorkOutcome>;
  /** Deliveries of one job handled at once in this process. */
  perJobConcurrency: number;
  /** Messages pulled ahead of the handlers per job (see ExecutorSettings.itemPullBatch). */
  pullBatch: number;
  /** How often the set of active jobs is re-read. */
  refreshMs: number;
  /** How often leftover consumers of finished jobs are looked for. */
  sweepMs: number;
}

/** The running per-job loops of one executor. */
export interface ItemConsumers {
  /** Active jobs this executor consumes now. */
  jobs(): string[];
  /** Stops a finished job's loop at once and removes its consumer (called after a batch completed it). */
  jobFinished(jobId: string): void;
  /** Stops taking work; resolves after every started delivery settled. */
  stop(): Promise<void>;
}

/**
 * Runs one consumer loop per active (planning or running) job, each on the
 * job's own durable, so a small job's items never queue behind a large one's;
 * re-reads the active jobs every `refreshMs`, stops loops of finished jobs and
 * removes their consumers.
 */
export function startItemConsumers(options: ItemConsumersOptions): ItemConsumers {
  const { db, bus, names, logger } = options;
  const stopping = new AbortController();
  const loops = new Map<string, { abort: AbortController; done: Promise<void> }>();

  const startLoop = (jobId: string) => {
    const abort = new AbortController();
    // Each delivery waiting for a handler slot listens for the loop's abort.
    setMaxListeners(0, abort.signal);
    const done = runConsumer({
      js: bus.js,
      stream: names.streams.revokeItems,
      durable: jobConsumerName(jobId),
      schema: RevokeWorkItemSchema,
      signal: abort.signal,
      logger,
      concurrency: options.perJobConcurrency,
      batch: { expiresMs: 5_000, maxMessages: options.pullBatch },
      // Every delivery this process holds has a handler, which keeps it alive with working()
      // while it waits for a provider slot: none is redelivered to another executor meanwhile.
      pullOnlyFreeSlots: true,
      restartDelay: { initialMs: 250, maxMs: 5_000 },
      ensureConsumer: () => options.ensureJobConsumer(jobId),
      handler: (delivery) =>
        options.handle(delivery.message, delivery.deliveryCount, abort.signal, delivery.traceContext),
    }).catch((error: unknown) =>
      logger.error({ jobId, err: { message: (error as Error).message } }, "item loop failed"),
    );
    loops.set(jobId, { abort, done });
    logger.debug({ jobId }, "consuming job items");
  };

  // Loops of jobs that stopped (cancelled, finished) whose started deliveries are still
  // settling: shutdown waits for them too, or it would cut their provider calls mid-flight.
  const draining = new Set<Promise<void>>();
  const stopLoop = async (jobId: string, remove: boolean) => {
    const loop = loops.get(jobId);
    if (loop === undefined) return;
    loops.delete(jobId);
    loop.abort.abort();
    draining.add(loop.done);
    try {
      await loop.done;
    } finally {
      draining.delete(loop.done);
    }
    if (remove) await removeQuietly(jobId);
  };

  const removeQuietly = async (jobId: string) => {
    try {
      if (await removeFinishedJobConsumer(bus.jsm, db, names, jobId))
        logger.debug({ jobId }, "removed finished job consumer");
    } catch (error) {
      logger.warn(
        { jobId, err: { message: (error as Error).message } },
        "could not remove finished job consumer",
      );
    }
  };

  const refresh = async () => {
    const active = await db
      .selectFrom("revoke_jobs")
      .select("id")
      .where("status", "in", ["planning", "running"])
      .execute();
    if (stopping.signal.aborted) return;
    const ids = new Set(active.map((row) => row.id));
    for (const id of ids) if (!loops.has(id)) startLoop(id);
    for (const id of [...loops.keys()]) if (!ids.has(id)) void stopLoop(id, true);
  };

  // Consumers of jobs that finished while no executor was watching them.
  const sweep = async () => {
    for await (const info of bus.jsm.consumers.list(names.streams.revokeItems)) {
      const jobId = jobIdOfConsumer(info.name);
      if (jobId !== undefined && !loops.has(jobId)) await removeQuietly(jobId);
    }
  };

  const every = (ms: number, task: () => Promise<void>, what: string) => {
    let running = false;
    const timer = setInterval(() => {
      if (running || stopping.signal.aborted) return;
      running = true;
      task()
        .catch((error: unknown) =>
          logger.warn({ err: { message: (error as Error).message } }, `${what} failed`),
        )
        .finally(() => (running = false));
    }, ms);
    return timer;
  };
  void refresh().catch((error: unknown) =>
    logger.warn({ err: { message: (error as Error).message } }, "active jobs refresh failed"),
  );
  const refreshTimer = every(options.refreshMs, refresh, "active jobs refresh");
  const sweepTimer = every(options.sweepMs, sweep, "consumer sweep");

  return {
    jobs: () => [...loops.keys()],
    jobFinished(jobId) {
      void stopLoop(jobId, true);
    },
    async stop() {
      stopping.abort();
      clearInterval(refreshTimer);
      clearInterval(sweepTimer);
      await Promise.all([...[...loops.keys()].map((jobId) => stopLoop(jobId, false)), ...draining]);
    },
  };
}
