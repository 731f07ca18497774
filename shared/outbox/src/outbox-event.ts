import { randomUUID } from "node:crypto";
import { create, toBinary, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";

/** One event as the outbox stores it: encoded once, published byte for byte. */
export interface OutboxEvent {
  /** The event's `event_id`, also its `Nats-Msg-Id`: unique, stable across redeliveries. */
  eventId: string;
  subject: string;
  payload: Uint8Array;
}

/** A fresh event id (a random UUID) for an event with no natural one. */
export function newEventId(): string {
  return randomUUID();
}

/**
 * Encodes `message` with its `eventId` field set to `eventId` (the same id the
 * relay sends as `Nats-Msg-Id`), so subscribers and the stream dedupe alike.
 */
export function outboxEventOf<Desc extends DescMessage>(
  subject: string,
  schema: Desc,
  message: MessageInitShape<Desc>,
  eventId: string = newEventId(),
): OutboxEvent {
  const withId = { ...(message as object), eventId } as unknown as MessageInitShape<Desc>;
  return { eventId, subject, payload: toBinary(schema, create(schema, withId)) };
}
