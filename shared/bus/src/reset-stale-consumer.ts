import type { JetStreamManager } from "nats";

const CONSUMER_NOT_FOUND = 10014;

/** What resetStaleConsumer found. */
export type ConsumerHealth = "healthy" | "missing" | "reset";

/**
 * Deletes a durable whose delivery position lies past the stream's last
 * sequence, so whoever consumes it re-creates it (from the first stored
 * message) on its next restart. A nats-server killed before it synced its
 * store can come back with the stream's sequence reset below what its
 * consumers had already delivered; such a consumer delivers nothing until
 * new messages climb past its old position, which may be never.
 */
export async function resetStaleConsumer(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
): Promise<ConsumerHealth> {
  let delivered: number;
  try {
    delivered = (await jsm.consumers.info(stream, durable)).delivered.stream_seq;
  } catch (error) {
    if (isNotFound(error)) return "missing";
    throw error;
  }
  const { last_seq: lastSeq } = (await jsm.streams.info(stream)).state;
  if (delivered <= lastSeq) return "healthy";
  try {
    await jsm.consumers.delete(stream, durable);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  return "reset";
}

function isNotFound(error: unknown): boolean {
  return (error as { api_error?: { err_code?: number } }).api_error?.err_code === CONSUMER_NOT_FOUND;
}
