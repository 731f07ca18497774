import type { ConsumerMessages, JetStreamClient } from "nats";
import { errorField } from "./bus-logger.js";
import type { SuperviseConsumerOptions } from "./supervise-consumer.js";

export interface SuperviseFetchConsumerOptions extends Omit<SuperviseConsumerOptions, "pull" | "js"> {
  js: JetStreamClient;
  /** How long one fetch waits on the server for messages it asked for. */
  expiresMs: number;
  /**
   * Resolves with how many deliveries could start at once right now (at least
   * 1), or 0 once the signal aborted. Each fetch asks for no more than this,
   * so no delivery ever waits in a client buffer for a handler.
   */
  freeSlots: () => Promise<number>;
}

/**
 * Pulls with `fetch()` sized to the free handler slots, never ahead of them,
 * until `signal` aborts; re-looks up (and via `ensureConsumer` re-creates) the
 * durable with backoff after any failure, and after every empty fetch checks
 * that the durable still exists. Resolves once it stopped pulling.
 */
export async function superviseFetchConsumer(options: SuperviseFetchConsumerOptions): Promise<void> {
  const { js, stream, durable, signal, logger } = options;
  const { initialMs, maxMs } = options.restartDelay ?? { initialMs: 250, maxMs: 15_000 };
  const context = { stream, durable };
  let failures = 0;

  while (!signal.aborted) {
    try {
      await options.ensureConsumer?.();
      const consumer = await js.consumers.get(stream, durable);
      options.onConsumerInfo(await consumer.info(true));
      logger.debug(context, "fetching on free slots");
      while (!signal.aborted) {
        const free = await options.freeSlots();
        if (free === 0 || signal.aborted) break;
        const messages: ConsumerMessages = await consumer.fetch({
          max_messages: free,
          expires: options.expiresMs,
        });
        const stop = () => void messages.close();
        signal.addEventListener("abort", stop, { once: true });
        let received = 0;
        try {
          for await (const msg of messages) {
            received++;
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
        } finally {
          signal.removeEventListener("abort", stop);
        }
        // An empty fetch is also what a deleted durable looks like: ask the server (throws if gone).
        if (received === 0 && !signal.aborted) options.onConsumerInfo(await consumer.info(false));
      }
    } catch (error) {
      if (signal.aborted) break;
      logger.warn({ ...context, ...errorField(error) }, "consumer failed; restarting");
    }
    if (signal.aborted) break;
    failures++;
    await sleep(Math.min(initialMs * 2 ** (failures - 1), maxMs), signal);
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
