import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { millis, type JsMsg } from "nats";
import { createAckWaitExtender } from "./ack-wait-extender.js";
import { errorField, silentBusLogger } from "./bus-logger.js";
import { decodeDelivery } from "./decode-delivery.js";
import { createInFlightLimiter } from "./in-flight-limiter.js";
import type { ConsumerLoopOptions, LiveConsumerConfig } from "./run-consumer.js";
import { superviseConsumer } from "./supervise-consumer.js";
import {
  defaultRetryDelayMs,
  settleDelivery,
  type HandlerFailure,
  type WorkDelivery,
  type WorkOutcome,
} from "./work-outcome.js";

export interface RunBatchConsumerOptions<Desc extends DescMessage> extends ConsumerLoopOptions<Desc> {
  /**
   * Commits a batch together (e.g. one transaction) and returns one outcome per
   * item, in order; its promise must resolve only after the work is durable.
   * Throwing (or a wrong-length answer) naks every item with backoff.
   */
  handleBatch: (items: Array<WorkDelivery<MessageShape<Desc>>>) => Promise<WorkOutcome[]>;
  /** Items per batch at most. */
  maxBatch: number;
  /** How long a partial batch waits for more items before it is handled anyway. */
  maxWaitMs: number;
  /** Batches handled at once in this process. Default 1. */
  concurrency?: number;
}

/**
 * Gathers deliveries into batches of up to `maxBatch` (or whatever arrived
 * within `maxWaitMs`), hands each to `handleBatch`, then settles every item by
 * its outcome; same restart, shutdown and ack-after-durable guarantees as `runConsumer`.
 */
export async function runBatchConsumer<Desc extends DescMessage>(
  options: RunBatchConsumerOptions<Desc>,
): Promise<void> {
  type Delivery = WorkDelivery<MessageShape<Desc>>;
  const logger = options.logger ?? silentBusLogger;
  const { signal, maxBatch, maxWaitMs } = options;
  if (!Number.isInteger(maxBatch) || maxBatch < 1)
    throw new Error(`maxBatch must be a positive integer, got ${maxBatch}`);
  const concurrency = options.concurrency ?? 1;
  const slots = createInFlightLimiter(concurrency);
  const live: LiveConsumerConfig = { ackWaitMs: 30_000, maxDeliver: -1 };
  const extender = createAckWaitExtender(() => live.ackWaitMs);
  const settleOptions = {
    ackMode: options.ackMode ?? "ack",
    retryDelayMs: options.retryDelayMs ?? defaultRetryDelayMs,
    logger,
    get maxDeliver() {
      return live.maxDeliver;
    },
  };

  let pending: Delivery[] = [];
  let flushTimer: NodeJS.Timeout | undefined;

  const handleBatch = async (batch: Delivery[]) => {
    let outcomes: Array<WorkOutcome | HandlerFailure>;
    try {
      const answered = await options.handleBatch(batch);
      if (answered.length !== batch.length) {
        throw new Error(`handleBatch returned ${answered.length} outcomes for ${batch.length} items`);
      }
      outcomes = answered;
    } catch (error) {
      outcomes = batch.map(() => ({ kind: "failed", error }));
    } finally {
      for (const item of batch) extender.untrack(item.raw);
    }
    await Promise.all(
      batch.map((item, index) =>
        settleDelivery(item.raw, outcomes[index]!, settleOptions).catch((error: unknown) =>
          logger.warn(
            { subject: item.raw.subject, seq: item.raw.seq, ...errorField(error) },
            "could not settle delivery",
          ),
        ),
      ),
    );
  };

  // Waits for a free batch slot, then takes whatever is pending (at most
  // maxBatch). A timer flush and a full-batch flush may both wait; the later
  // one finds nothing pending and gives its slot back.
  const flush = async () => {
    if (!(await slots.acquire(signal))) return;
    clearTimeout(flushTimer);
    flushTimer = undefined;
    const batch = pending.splice(0, maxBatch);
    if (pending.length > 0) flushTimer = setTimeout(() => void flush(), maxWaitMs);
    if (batch.length === 0) {
      slots.release();
      return;
    }
    void handleBatch(batch).finally(() => slots.release());
  };

  const gather = async (raw: JsMsg) => {
    const delivery = decodeDelivery(raw, options.schema, live.maxDeliver, logger);
    if (delivery === undefined) return;
    // Held from receipt: a gathered item waiting for a slot must not outlast the ack wait.
    extender.track(raw);
    pending.push(delivery);
    if (flushTimer === undefined) flushTimer = setTimeout(() => void flush(), maxWaitMs);
    // Pulling stops here until a slot frees: at most concurrency batches run
    // and one more gathers.
    if (pending.length >= maxBatch) await flush();
  };

  try {
    await superviseConsumer({
      js: options.js,
      stream: options.stream,
      durable: options.durable,
      signal,
      logger,
      pull: {
        maxMessages: options.batch?.maxMessages ?? Math.min(maxBatch * (concurrency + 1), 10_000),
        expiresMs: options.batch?.expiresMs ?? 30_000,
      },
      ...(options.ensureConsumer === undefined ? {} : { ensureConsumer: options.ensureConsumer }),
      ...(options.restartDelay === undefined ? {} : { restartDelay: options.restartDelay }),
      onConsumerInfo: (info) => {
        live.ackWaitMs = info.config.ack_wait === undefined ? 30_000 : millis(info.config.ack_wait);
        live.maxDeliver = info.config.max_deliver ?? -1;
      },
      onMessage: gather,
      onAbandoned: (raw) => raw.nak(),
    });
    clearTimeout(flushTimer);
    // Gathered but never started: hand back for another replica.
    const unstarted = pending;
    pending = [];
    for (const item of unstarted) {
      extender.untrack(item.raw);
      item.raw.nak();
    }
    await slots.idle();
  } finally {
    clearTimeout(flushTimer);
    extender.stop();
  }
}
