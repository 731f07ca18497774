import {
  ConsumerEvents,
  type ConsumerInfo,
  type ConsumerMessages,
  type JetStreamClient,
  type JsMsg,
} from "nats";
import { errorField, type BusLogger } from "./bus-logger.js";

/** Pull sizing for `consume()`. */
export interface PullOptions {
  /** Messages requested ahead of the handlers (refilled at 75 %). */
  maxMessages?: number;
  /** How long one pull request waits on the server; heartbeats are half of it. Default 30 s, min 1 s. */
  expiresMs?: number;
}

export interface SuperviseConsumerOptions {
  js: JetStreamClient;
  stream: string;
  durable: string;
  signal: AbortSignal;
  logger: BusLogger;
  pull: Required<PullOptions>;
  /** Called before every (re)start, e.g. to recreate a deleted durable with `ensureWorkConsumer`. */
  ensureConsumer?: () => Promise<unknown>;
  /** Delay before a restart: doubles from `initialMs` up to `maxMs` while restarts keep failing. */
  restartDelay?: { initialMs: number; maxMs: number };
  /** Sees the consumer's config at every (re)start (ack wait, max deliver). */
  onConsumerInfo: (info: ConsumerInfo) => void;
  /** Takes one delivery; may wait (that is the backpressure on pulling). Must not throw. */
  onMessage: (msg: JsMsg) => Promise<void>;
  /** Receives deliveries already buffered when the signal aborted, to hand back. */
  onAbandoned: (msg: JsMsg) => void;
}

// Statuses after which this pull subscription cannot be trusted to get
// messages again without a fresh consumer lookup (and maybe a re-create).
const RESTART_ON = new Set<string>([
  ConsumerEvents.ConsumerDeleted,
  ConsumerEvents.ConsumerNotFound,
  ConsumerEvents.StreamNotFound,
  ConsumerEvents.HeartbeatsMissed,
]);

/**
 * Runs `consume()` on the durable until `signal` aborts, re-creating the pull
 * subscription with backoff after any failure; resolves once it stopped pulling
 * (handlers started by `onMessage` may still be running).
 */
export async function superviseConsumer(options: SuperviseConsumerOptions): Promise<void> {
  const { js, stream, durable, signal, logger } = options;
  const { initialMs, maxMs } = options.restartDelay ?? { initialMs: 250, maxMs: 15_000 };
  const context = { stream, durable };
  let failures = 0;

  while (!signal.aborted) {
    let messages: ConsumerMessages | undefined;
    const stop = () => void messages?.close();
    try {
      await options.ensureConsumer?.();
      const consumer = await js.consumers.get(stream, durable);
      options.onConsumerInfo(await consumer.info(true));
      messages = await consumer.consume({
        max_messages: options.pull.maxMessages,
        expires: options.pull.expiresMs,
      });
      signal.addEventListener("abort", stop, { once: true });
      if (signal.aborted) stop();
      void watchConsumerStatus(messages, logger, context);
      logger.debug(context, "consuming");
      // Never break out of this loop: closing the iterator lets it yield what
      // it already buffered and then end, which also ends its status stream.
      for await (const msg of messages) {
        if (signal.aborted) {
          options.onAbandoned(msg);
          continue;
        }
        failures = 0;
        try {
          await options.onMessage(msg);
        } catch (error) {
          // Unreachable by contract; if it happens the delivery is redelivered after ack wait.
          logger.error(
            { ...context, subject: msg.subject, ...errorField(error) },
            "delivery dropped by a failing callback",
          );
        }
      }
      if (!signal.aborted) logger.info(context, "consumer subscription ended; restarting");
    } catch (error) {
      if (signal.aborted) break;
      logger.warn({ ...context, ...errorField(error) }, "consumer failed; restarting");
      void messages?.close();
    } finally {
      signal.removeEventListener("abort", stop);
    }
    if (signal.aborted) break;
    failures++;
    await sleep(Math.min(initialMs * 2 ** (failures - 1), maxMs), signal);
  }
}

async function watchConsumerStatus(
  messages: ConsumerMessages,
  logger: BusLogger,
  context: Record<string, unknown>,
): Promise<void> {
  for await (const status of await messages.status()) {
    if (RESTART_ON.has(status.type)) {
      logger.warn({ ...context, status: status.type, data: status.data }, "consumer unhealthy; restarting");
      void messages.close();
    } else if (status.type === ConsumerEvents.NoResponders) {
      logger.debug({ ...context, status: status.type }, "jetstream not answering pulls");
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
