import { setMaxListeners } from "node:events";
import DataLoader from "dataloader";
import {
  busNames,
  ensureWorkConsumer,
  runConsumer,
  subscribeEvents,
  type Bus,
  type WorkOutcome,
} from "@warden/bus";
import type { Keyring } from "@warden/crypto";
import type { Database } from "@warden/db";
import type { Logger } from "@warden/logger";
import { createRevokeAgents } from "@warden/oauth";
import { JobEventSchema } from "@warden/proto/events/v1";
import { RevokePlanSchema } from "@warden/proto/work/v1";
import type { Redis } from "@warden/redis";
import type { Kysely } from "kysely";
import type { Registry } from "prom-client";
import { createBatchGate } from "./batching/batch-gate.js";
import { startItemConsumers, type ItemConsumers } from "./consumers/item-consumers.js";
import { ensureJobConsumer } from "./consumers/job-consumer.js";
import { createFairScheduler, type FairScheduler } from "./fair-scheduler.js";
import { startHeartbeat } from "./heartbeat.js";
import { createAuthConfigCache } from "./items/auth-config-cache.js";
import { createConnectionEpochs } from "./items/connection-epochs.js";
import { createCircuitOpenPublisher } from "./items/circuit-open-event.js";
import { createJobLiveness } from "./items/job-liveness.js";
import { createPendingRecheck } from "./items/pending-recheck.js";
import { processItem, type ItemSettings } from "./items/process-item.js";
import { createProviderCallSpans } from "./items/provider-call-spans.js";
import { createRevokeBreaker } from "./items/revoke-breaker.js";
import { createJobEvents } from "./job-events.js";
import { createLedgerWriter } from "./ledger/ledger-writer.js";
import { planJobRun } from "./planning/plan-job-run.js";
import { createRevokeMetrics, NO_REVOKE_METRICS } from "./revoke-metrics.js";
import { registerRevokeStateMetrics } from "./revoke-state-metrics.js";
import {
  itemKeyString,
  loadItemContexts,
  type ItemContext,
  type ItemKey,
} from "./repositories/item-context.repository.js";

/** Every tunable of the executor (main.ts maps the environment onto it). */
export interface ExecutorSettings extends ItemSettings {
  /** Provider calls in flight per auth config, in this process. */
  perAuthConfigLimit: number;
  /** Provider calls in flight in this process. */
  globalInFlight: number;
  /** Deliveries of one job handled at once in this process. */
  perJobConcurrency: number;
  planConcurrency: number;
  planBatchSize: number;
  ledgerBatch: number;
  ledgerWaitMs: number;
  /** Ledger batches committing at once; outcomes arriving meanwhile join the next batch. */
  ledgerConcurrency: number;
  /** Item context reads at once; items arriving meanwhile join the next read. */
  contextConcurrency: number;
  /** How often the status of jobs with items in hand is re-read. */
  livenessPollMs: number;
  /** The oldest job-status read a provider call may rely on. */
  livenessMaxStaleMs: number;
  /** How long a ledger batch retries while PostgreSQL is unreachable. */
  ledgerRetryForMs: number;
  progressIntervalMs: number;
  heartbeatMs: number;
  activeJobsRefreshMs: number;
  itemAckWaitMs: number;
  itemMaxAckPending: number;
  /**
   * Item messages one job's loop fetches at most at once, and only into free
   * handler slots: a message pulled ahead of its handler would wait in the
   * client's buffer, where nothing extends its ack wait, and be redelivered to
   * another executor (see runConsumer's pullOnlyFreeSlots).
   */
  itemPullBatch: number;
  /** Consecutive app-level failures that open a job run's breaker for an auth config. */
  breakerThreshold: number;
  /**
   * Provider calls per job run, in this process, that get a span whatever their outcome (tracing
   * on); past it only failed, retried, thrown and slow calls do (see provider-call-spans.ts).
   */
  tracedCallsPerJobRun: number;
}

/** Defaults matching the config schema, for tests and benchmarks. */
export const DEFAULT_EXECUTOR_SETTINGS: ExecutorSettings = {
  perAuthConfigLimit: 32,
  globalInFlight: 256,
  perJobConcurrency: 1024,
  planConcurrency: 4,
  planBatchSize: 5000,
  ledgerBatch: 500,
  ledgerWaitMs: 5,
  ledgerConcurrency: 2,
  contextConcurrency: 2,
  livenessPollMs: 10,
  livenessMaxStaleMs: 20,
  ledgerRetryForMs: 20_000,
  progressIntervalMs: 500,
  heartbeatMs: 5_000,
  activeJobsRefreshMs: 500,
  itemAckWaitMs: 15_000,
  itemMaxAckPending: 4_096,
  itemPullBatch: 256,
  breakerThreshold: 20,
  tracedCallsPerJobRun: 1_000,
  maxAttempts: 8,
  requestTimeoutMs: 10_000,
  retryBaseMs: 1_000,
  retryMaxMs: 60_000,
  recheckAfterMs: 500,
};

export interface ExecutorDeps {
  db: Kysely<Database>;
  redis: Redis;
  bus: Bus;
  namespace: string;
  keyring: Keyring;
  logger: Logger;
  instanceId: string;
  settings: ExecutorSettings;
  /** Where the executor's metrics go (main.ts: the probe port's registry); omit to record none. */
  registry?: Registry;
}

/** A running executor. */
export interface RevokeExecutor {
  scheduler: FairScheduler;
  items: ItemConsumers;
  /** Stops fetching, hands back work not yet started, waits for started work to commit and settle. */
  stop(): Promise<void>;
}

/**
 * Starts the plan consumer, the per-job item consumers and the heartbeat on
 * connections the caller owns (and closes): the same code runs in main.ts and in tests.
 */
export async function startRevokeExecutor(deps: ExecutorDeps): Promise<RevokeExecutor> {
  const { db, bus, logger, settings } = deps;
  const names = busNames(deps.namespace);
  const stopping = new AbortController();
  // Every item waiting for a provider slot listens for shutdown.
  setMaxListeners(0, stopping.signal);
  const scheduler = createFairScheduler({
    globalLimit: settings.globalInFlight,
    perAuthConfigLimit: settings.perAuthConfigLimit,
  });
  const events = createJobEvents({ db, names, logger, progressIntervalMs: settings.progressIntervalMs });
  const consumerSettings = { ackWaitMs: settings.itemAckWaitMs, maxAckPending: settings.itemMaxAckPending };
  const ensureConsumer = (jobId: string) => ensureJobConsumer(bus.jsm, names, jobId, consumerSettings);
  // Set once the item consumers start; batches commit only after that.
  const itemsRef: { current?: ItemConsumers } = {};
  let redelivered = 0;
  const metrics = deps.registry === undefined ? NO_REVOKE_METRICS : createRevokeMetrics(deps.registry);
  const inFlightItems = new Map<string, Promise<WorkOutcome>>();

  const liveness = createJobLiveness({
    db,
    pollMs: settings.livenessPollMs,
    maxStaleMs: settings.livenessMaxStaleMs,
  });
  const ledger = createLedgerWriter({
    db,
    maxBatch: settings.ledgerBatch,
    maxWaitMs: settings.ledgerWaitMs,
    concurrency: settings.ledgerConcurrency,
    retryForMs: settings.ledgerRetryForMs,
    eventsOf: (batch) => events.eventsOf(batch),
    afterCommit: (batch) => {
      events.afterCommit(batch);
      for (const job of batch.completedJobs) {
        liveness.stopped(job.id);
        itemsRef.current?.jobFinished(job.id);
      }
    },
    onRetry: (error, attempt) =>
      logger.warn({ attempt, err: { message: (error as Error).message } }, "ledger write failed; retrying"),
  });
  const contextGate = createBatchGate({ concurrency: settings.contextConcurrency, waitMs: 2 });
  const contexts = new DataLoader<ItemKey, ItemContext | undefined, string>(
    (keys) =>
      contextGate.run(async () => {
        const found = await loadItemContexts(db, keys);
        return keys.map((key) => found.get(itemKeyString(key.jobId, key.accountId)));
      }),
    { cache: false, maxBatchSize: settings.ledgerBatch, batchScheduleFn: contextGate.schedule },
  );
  const itemDeps = {
    loadContext: (key: ItemKey) => contexts.load(key),
    isJobLive: (jobId: string) => liveness.isLive(jobId),
    isStillPending: createPendingRecheck({
      db,
      concurrency: settings.contextConcurrency,
      maxBatch: settings.ledgerBatch,
    }),
    authConfigs: createAuthConfigCache({ db, keyring: deps.keyring, ttlMs: 5_000 }),
    breaker: createRevokeBreaker({
      redis: deps.redis,
      threshold: settings.breakerThreshold,
      onOpen: createCircuitOpenPublisher({ db, bus, names, logger }),
      logger,
    }),
    keyring: deps.keyring,
    scheduler,
    ledger,
    agents: createRevokeAgents(Math.max(settings.perAuthConfigLimit, 64)),
    settings,
    signal: stopping.signal,
    logger,
    metrics,
    callSpans: createProviderCallSpans({ fullyTracedPerJobRun: settings.tracedCallsPerJobRun }),
  };

  const epochs = createConnectionEpochs(bus.nc, logger);

  const planStopping = new AbortController();
  const planner = runConsumer({
    js: bus.js,
    stream: names.streams.revokePlan,
    durable: names.consumers.revokePlanner,
    schema: RevokePlanSchema,
    signal: planStopping.signal,
    logger,
    concurrency: settings.planConcurrency,
    batch: { maxMessages: settings.planConcurrency, expiresMs: 5_000 },
    ensureConsumer: () =>
      ensureWorkConsumer(bus.jsm, names.streams.revokePlan, names.consumers.revokePlanner, {
        // Short: after a crash the plan is picked up again within this; a live planner extends it.
        ackWaitMs: 10_000,
        maxDeliver: -1,
        maxAckPending: 256,
      }),
    handler: (delivery) =>
      planJobRun(
        {
          db,
          bus,
          names,
          ensureJobConsumer: ensureConsumer,
          events,
          logger,
          batchSize: settings.planBatchSize,
          signal: planStopping.signal,
          metrics,
        },
        delivery.message,
        delivery.traceContext,
      ),
  });

  const items = startItemConsumers({
    db,
    bus,
    names,
    logger,
    ensureJobConsumer: ensureConsumer,
    perJobConcurrency: settings.perJobConcurrency,
    pullBatch: settings.itemPullBatch,
    refreshMs: settings.activeJobsRefreshMs,
    sweepMs: 30_000,
    handle: async (item, deliveryCount, jobSignal, traceContext) => {
      if (deliveryCount > 1) {
        redelivered++;
        metrics.redelivered();
      }
      // A second copy of an item this process is already working on (a re-published
      // message) waits for the first and is then dropped: one provider call, one outcome.
      const key = `${itemKeyString(item.jobId, item.accountId)}/${item.run}`;
      const current = inFlightItems.get(key);
      if (current !== undefined) {
        await current.catch(() => undefined);
        return { kind: "ack" };
      }
      // The job's own signal: a cancel stops items still queued for a provider slot; so does a
      // NATS disconnect (see connection-epochs.ts).
      const work = processItem({ ...itemDeps, signal: epochs.signalFor(jobSignal) }, item, traceContext);
      inFlightItems.set(key, work);
      try {
        return await work;
      } finally {
        inFlightItems.delete(key);
      }
    },
  });

  itemsRef.current = items;
  if (deps.registry !== undefined)
    registerRevokeStateMetrics(deps.registry, {
      db,
      jsm: bus.jsm,
      itemsStream: names.streams.revokeItems,
      runningJobs: () => items.jobs(),
    });
  // CancelRevokeJob's event stops a job's provider calls at once, before the next status read.
  const cancellations = subscribeEvents(
    bus.nc,
    names.subjects.jobEvents(),
    JobEventSchema,
    (event, raw) => {
      if (!raw.subject.endsWith(".cancelled") || event.job === undefined) return;
      liveness.stopped(event.job.id);
      items.jobFinished(event.job.id);
    },
    { logger },
  );
  // UpdateAuthConfig's nudge: the next item reads the fixed client, with a fresh breaker.
  const authConfigUpdates = bus.nc.subscribe(names.subjects.authConfigUpdated(), {
    callback: (error, message) => {
      if (error) return;
      const authConfigId = message.subject.split(".").at(-2)!;
      itemDeps.authConfigs.forget(authConfigId);
      itemDeps.breaker.reset(authConfigId);
    },
  });

  const heartbeat = startHeartbeat({
    redis: deps.redis,
    instance: deps.instanceId,
    intervalMs: settings.heartbeatMs,
    logger,
    snapshot: () => ({ inFlight: scheduler.inFlight, redelivered, authConfigs: scheduler.authConfigLoad() }),
  });
  logger.info({ instance: deps.instanceId, namespace: deps.namespace }, "revoke executor started");

  return {
    scheduler,
    items,
    async stop() {
      stopping.abort();
      planStopping.abort();
      cancellations.unsubscribe();
      authConfigUpdates.unsubscribe();
      await Promise.all([planner, items.stop()]);
      events.stop();
      epochs.stop();
      liveness.stop();
      await heartbeat.stop();
      await itemDeps.agents.close();
      logger.info({ instance: deps.instanceId }, "revoke executor stopped");
    },
  };
}
