import { create, toBinary, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import type { JetStreamClient, NatsConnection } from "nats";

export interface PublishEventOptions {
  /** Optional `Nats-Msg-Id`, for events that must not be recorded twice when a publisher retries. */
  msgId?: string;
  timeoutMs?: number;
}

function isNatsConnection(target: JetStreamClient | NatsConnection): target is NatsConnection {
  return typeof (target as NatsConnection).jetstream === "function";
}

/**
 * Publishes one protobuf event. With a JetStream client it resolves once the
 * events stream stored it (durable, replayable); with a plain connection it
 * resolves after handing it to the client (fire-and-forget; the stream still
 * records it, but a loss is not reported).
 */
export async function publishEvent<Desc extends DescMessage>(
  target: JetStreamClient | NatsConnection,
  subject: string,
  schema: Desc,
  message: MessageInitShape<Desc>,
  options: PublishEventOptions = {},
): Promise<void> {
  const data = toBinary(schema, create(schema, message));
  if (isNatsConnection(target)) {
    target.publish(subject, data);
    return;
  }
  await target.publish(subject, data, {
    ...(options.msgId === undefined ? {} : { msgID: options.msgId }),
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
  });
}
