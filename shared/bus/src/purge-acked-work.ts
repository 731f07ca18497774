import type { JetStreamManager } from "nats";

/**
 * Removes messages of a work-queue stream that its one consumer has already
 * acked; returns how many were purged. Never removes unacked work.
 *
 * Why: after a crash, NATS 2.9 can restore a consumer's ack floor that is
 * ahead of the stream's own deletions, leaving acked copies in the stream that
 * no consumer will ever deliver again. They are harmless to correctness but
 * inflate stream counts and disk use; the sweeper (or a boot step) calls this.
 */
export async function purgeAckedWork(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
): Promise<number> {
  const consumer = await jsm.consumers.info(stream, durable);
  const streamInfo = await jsm.streams.info(stream);
  // Only safe when this durable is the sole consumer: then "below its ack floor" means "done".
  if (streamInfo.state.consumer_count !== 1) return 0;
  const floor = consumer.ack_floor.stream_seq;
  if (floor < streamInfo.state.first_seq) return 0;
  const { purged } = await jsm.streams.purge(stream, { seq: floor + 1 });
  return purged;
}
