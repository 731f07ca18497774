import { ensureWorkConsumer, jobIdOfItemsConsumer, jobItemsConsumerName, type BusNames } from "@warden/bus";
import type { Database } from "@warden/db";
import type { Kysely } from "kysely";
import type { JetStreamManager } from "nats";

/** Settings of every per-job items consumer. */
export interface JobConsumerSettings {
  ackWaitMs: number;
  /** Unacked deliveries of one job across every replica (back-off naks included). */
  maxAckPending: number;
}

const CONSUMER_NOT_FOUND = 10014;
/** The durable consumer of one job's items. */
export const jobConsumerName = jobItemsConsumerName;

/** The job id of a per-job consumer name, or undefined for any other consumer. */
export const jobIdOfConsumer = jobIdOfItemsConsumer;

/**
 * Creates (idempotently, from any replica) the durable pull consumer that
 * delivers only `<ns>.revoke.item.<job_id>`: one consumer per job is what lets
 * executors serve jobs side by side instead of in stream order.
 */
export async function ensureJobConsumer(
  jsm: JetStreamManager,
  names: BusNames,
  jobId: string,
  settings: JobConsumerSettings,
): Promise<void> {
  await ensureWorkConsumer(jsm, names.streams.revokeItems, jobConsumerName(jobId), {
    filterSubject: names.subjects.revokeItem(jobId),
    ackWaitMs: settings.ackWaitMs,
    // Attempts are counted in the ledger (attempts column); the server never gives up on its own.
    maxDeliver: -1,
    maxAckPending: settings.maxAckPending,
  });
}

/**
 * Removes a finished job's consumer and the leftover messages on its subject
 * (redeliveries of items already final). Does nothing unless the job is
 * completed or cancelled (or gone); only messages stored before that check are
 * purged, so a retry that publishes a new run meanwhile loses nothing.
 */
export async function removeFinishedJobConsumer(
  jsm: JetStreamManager,
  db: Kysely<Database>,
  names: BusNames,
  jobId: string,
): Promise<boolean> {
  const stream = await jsm.streams.info(names.streams.revokeItems);
  const lastSeq = stream.state.last_seq;
  const job = await db
    .selectFrom("revoke_jobs")
    .select(["status"])
    .where("id", "=", jobId)
    .executeTakeFirst();
  if (job !== undefined && job.status !== "completed" && job.status !== "cancelled") return false;
  try {
    await jsm.consumers.delete(names.streams.revokeItems, jobConsumerName(jobId));
  } catch (error) {
    if ((error as { api_error?: { err_code?: number } }).api_error?.err_code !== CONSUMER_NOT_FOUND)
      throw error;
  }
  await jsm.streams.purge(names.streams.revokeItems, {
    filter: names.subjects.revokeItem(jobId),
    seq: lastSeq + 1,
  });
  return true;
}
