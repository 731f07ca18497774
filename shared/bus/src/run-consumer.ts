import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { millis, type ConsumerInfo, type JetStreamClient, type JsMsg } from "nats";
import { createAckWaitExtender } from "./ack-wait-extender.js";
import { errorField, silentBusLogger, type BusLogger } from "./bus-logger.js";
import { decodeDelivery } from "./decode-delivery.js";
import { createInFlightLimiter } from "./in-flight-limiter.js";
import { superviseConsumer, type PullOptions } from "./supervise-consumer.js";
import { superviseFetchConsumer } from "./supervise-fetch-consumer.js";
import {
  defaultRetryDelayMs,
  settleDelivery,
  type AckMode,
  type HandlerFailure,
  type WorkDelivery,
  type WorkOutcome,
} from "./work-outcome.js";

/** Options shared by `runConsumer` and `runBatchConsumer`. */
export interface ConsumerLoopOptions<Desc extends DescMessage> {
  js: JetStreamClient;
  stream: string;
  /** The durable every replica shares (see `ensureWorkConsumer`). */
  durable: string;
  schema: Desc;
  /** Abort to stop taking work; the loop resolves after in-flight work settled. */
  signal: AbortSignal;
  logger?: BusLogger;
  batch?: PullOptions;
  /** `ackAck` waits for the server to confirm each ack. Default `ack`. */
  ackMode?: AckMode;
  /** Redelivery delay after a handler throws. Default 1 s doubling to 1 min, jittered. */
  retryDelayMs?: (deliveryCount: number) => number;
  /** Called before every (re)start, e.g. `() => ensureWorkConsumer(jsm, stream, durable, …)`. */
  ensureConsumer?: () => Promise<unknown>;
  /** Backoff between restarts after failures. Default 250 ms doubling to 15 s. */
  restartDelay?: { initialMs: number; maxMs: number };
}

export interface RunConsumerOptions<Desc extends DescMessage> extends ConsumerLoopOptions<Desc> {
  /** Decides one delivery; its promise must resolve only after the work is durable. Throwing naks with backoff. */
  handler: (delivery: WorkDelivery<MessageShape<Desc>>) => Promise<WorkOutcome>;
  /** Handlers in flight at most, in this process. */
  concurrency: number;
  /**
   * Pull only for handler slots that are free (`fetch()` sized to them) instead
   * of `batch.maxMessages` ahead: no delivery then waits unstarted in the
   * client's buffer, where nothing extends its ack wait. Pulls wait until
   * `batch.maxMessages` slots (at most half of them) are free, so pulls stay large.
   */
  pullOnlyFreeSlots?: boolean;
}

/** Consumer settings learned at each (re)start; read by handlers and the ack-wait extender. */
export interface LiveConsumerConfig {
  ackWaitMs: number;
  maxDeliver: number;
}

/**
 * Runs `handler` on each decoded delivery of the durable with at most
 * `concurrency` in flight, acking only after the handler resolved; survives
 * NATS restarts and consumer loss; resolves after `signal` aborted and every
 * started handler settled (buffered, unstarted deliveries are nak'ed back).
 */
export async function runConsumer<Desc extends DescMessage>(
  options: RunConsumerOptions<Desc>,
): Promise<void> {
  const logger = options.logger ?? silentBusLogger;
  const limiter = createInFlightLimiter(options.concurrency);
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

  const handle = async (raw: JsMsg) => {
    const delivery = decodeDelivery(raw, options.schema, live.maxDeliver, logger);
    if (delivery === undefined) return;
    // Held from receipt, not from handler start: waiting for a slot must not
    // outlast the ack wait and get the message redelivered elsewhere.
    extender.track(raw);
    if (!(await limiter.acquire(options.signal))) {
      extender.untrack(raw);
      raw.nak();
      return;
    }
    void (async () => {
      let outcome: WorkOutcome | HandlerFailure;
      try {
        // The publisher's trace travels in delivery.traceContext; nothing is activated here,
        // so a consumer on a hot path never pays for AsyncLocalStorage (see withSpanIn).
        outcome = await options.handler(delivery);
      } catch (error) {
        outcome = { kind: "failed", error };
      } finally {
        extender.untrack(raw);
      }
      try {
        await settleDelivery(raw, outcome, settleOptions);
      } catch (error) {
        // Only a closed connection makes settling throw; the server redelivers after ack wait.
        logger.warn(
          { subject: raw.subject, seq: raw.seq, ...errorField(error) },
          "could not settle delivery",
        );
      } finally {
        limiter.release();
      }
    })();
  };

  const supervised = {
    js: options.js,
    stream: options.stream,
    durable: options.durable,
    signal: options.signal,
    logger,
    ...(options.ensureConsumer === undefined ? {} : { ensureConsumer: options.ensureConsumer }),
    ...(options.restartDelay === undefined ? {} : { restartDelay: options.restartDelay }),
    onConsumerInfo: (info: ConsumerInfo) => {
      live.ackWaitMs = info.config.ack_wait === undefined ? 30_000 : millis(info.config.ack_wait);
      live.maxDeliver = info.config.max_deliver ?? -1;
    },
    onMessage: handle,
    // Hand back at once rather than let it wait out the ack wait.
    onAbandoned: (raw: JsMsg) => raw.nak(),
  };
  const maxMessages = options.batch?.maxMessages ?? Math.min(Math.max(options.concurrency * 2, 8), 1_000);
  const expiresMs = options.batch?.expiresMs ?? 30_000;
  try {
    if (options.pullOnlyFreeSlots === true) {
      // Waiting for a few free slots rather than one keeps each fetch a worthwhile round trip.
      const batch = Math.max(1, Math.min(maxMessages, Math.floor(options.concurrency / 2)));
      await superviseFetchConsumer({
        ...supervised,
        expiresMs,
        freeSlots: async () =>
          (await limiter.whenFree(batch, options.signal)) ? Math.min(limiter.free, maxMessages) : 0,
      });
    } else {
      await superviseConsumer({ ...supervised, pull: { maxMessages, expiresMs } });
    }
    await limiter.idle();
  } finally {
    extender.stop();
  }
}
