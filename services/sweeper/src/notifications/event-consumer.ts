import { AckPolicy, DeliverPolicy, nanos, ReplayPolicy, type JetStreamManager } from "nats";

const CONSUMER_NOT_FOUND = 10014;

/**
 * Creates the durable pull consumer on the events stream if it is missing.
 * It starts at *new* events: a first deploy must not replay a week of history
 * as notifications; afterwards the durable resumes where it left off.
 */
export async function ensureEventConsumer(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
  filterSubject: string,
): Promise<void> {
  try {
    await jsm.consumers.info(stream, durable);
    return;
  } catch (error) {
    if ((error as { api_error?: { err_code?: number } }).api_error?.err_code !== CONSUMER_NOT_FOUND)
      throw error;
  }
  await jsm.consumers.add(stream, {
    durable_name: durable,
    filter_subject: filterSubject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.New,
    replay_policy: ReplayPolicy.Instant,
    ack_wait: nanos(30_000),
    max_ack_pending: 1_000,
  });
}
