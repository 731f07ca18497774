import { fromBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import type { Msg, NatsConnection, Subscription } from "nats";
import { errorField, silentBusLogger, type BusLogger } from "./bus-logger.js";

export interface SubscribeEventsOptions {
  logger?: BusLogger;
  /** Core-NATS queue group: each event reaches one member instead of all. */
  queue?: string;
}

/**
 * Subscribes (core NATS, no replay) to `subject` and calls `onMessage` with each
 * decoded event; undecodable payloads are logged and skipped. Unsubscribe (or
 * drain) the returned subscription to stop.
 */
export function subscribeEvents<Desc extends DescMessage>(
  nc: NatsConnection,
  subject: string,
  schema: Desc,
  onMessage: (message: MessageShape<Desc>, raw: Msg) => void | Promise<void>,
  options: SubscribeEventsOptions = {},
): Subscription {
  const logger = options.logger ?? silentBusLogger;
  return nc.subscribe(subject, {
    ...(options.queue === undefined ? {} : { queue: options.queue }),
    callback: (error, raw) => {
      if (error) {
        logger.error({ subject, ...errorField(error) }, "event subscription failed");
        return;
      }
      let message: MessageShape<Desc>;
      try {
        message = fromBinary(schema, raw.data);
      } catch (decodeError) {
        logger.warn({ subject: raw.subject, ...errorField(decodeError) }, "skipping undecodable event");
        return;
      }
      // A failing listener must not kill the subscription for the others.
      Promise.resolve()
        .then(() => onMessage(message, raw))
        .catch((listenerError: unknown) =>
          logger.error({ subject: raw.subject, ...errorField(listenerError) }, "event listener failed"),
        );
    },
  });
}
