import {
  AckPolicy,
  DeliverPolicy,
  nanos,
  ReplayPolicy,
  type ConsumerInfo,
  type JetStreamManager,
} from "nats";
import { jetStreamErrorCode } from "./ensure-stream.js";

const CONSUMER_NOT_FOUND = 10014;

export interface WorkConsumerOptions {
  /** Only on streams with several subjects; a work queue allows one consumer per subject. */
  filterSubject?: string;
  /** How long a delivery may stay unacked before redelivery (handlers extend it with `working()`). */
  ackWaitMs: number;
  /** Deliveries before the server gives up on a message; -1 for unlimited. */
  maxDeliver: number;
  /** Unacked deliveries across every replica sharing this durable. */
  maxAckPending: number;
}

/**
 * Creates the durable pull consumer (explicit ack) or updates its ack wait,
 * max deliver and max ack pending; idempotent and safe from many replicas at once.
 */
export async function ensureWorkConsumer(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
  options: WorkConsumerOptions,
): Promise<ConsumerInfo> {
  const desired = {
    ack_wait: nanos(options.ackWaitMs),
    max_deliver: options.maxDeliver,
    max_ack_pending: options.maxAckPending,
  };
  const existing = await consumerInfoOrUndefined(jsm, stream, durable);
  if (existing === undefined) {
    // NATS 2.9 treats a create of an existing durable with the same config as
    // a no-op, so two replicas racing here both succeed.
    return await jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      replay_policy: ReplayPolicy.Instant,
      ...(options.filterSubject === undefined ? {} : { filter_subject: options.filterSubject }),
      ...desired,
    });
  }
  const { config } = existing;
  const filterMatches = (config.filter_subject ?? "") === (options.filterSubject ?? "");
  if (!filterMatches) {
    // The filter cannot change in place on 2.9; silently keeping the old one
    // would consume the wrong subjects.
    throw new Error(
      `consumer ${stream}/${durable} filters ${JSON.stringify(config.filter_subject ?? "")}, ` +
        `wanted ${JSON.stringify(options.filterSubject ?? "")}; delete it to change the filter`,
    );
  }
  if (
    config.ack_wait === desired.ack_wait &&
    config.max_deliver === desired.max_deliver &&
    config.max_ack_pending === desired.max_ack_pending
  ) {
    return existing;
  }
  return await jsm.consumers.update(stream, durable, desired);
}

async function consumerInfoOrUndefined(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
): Promise<ConsumerInfo | undefined> {
  try {
    return await jsm.consumers.info(stream, durable);
  } catch (error) {
    if (jetStreamErrorCode(error) === CONSUMER_NOT_FOUND) return undefined;
    throw error;
  }
}
