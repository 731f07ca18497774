import type { BusNames } from "@warden/bus";
import type { Database, RevokeJobRow } from "@warden/db";
import { accountRevokedOutboxEvent, jobOutboxEvent, leaseOutboxEvent } from "@warden/events";
import type { Logger } from "@warden/logger";
import { enqueueEvents, type OutboxEvent } from "@warden/outbox";
import type { Kysely } from "kysely";
import type { WrittenBatch } from "./ledger/write-outcomes.js";

/** The executor's events: written to the outbox, published by the relay. */
export interface JobEvents {
  /**
   * The events a ledger batch reports, for its own transaction: every account
   * it revoked, every lease it revoked, every job it completed, and a progress
   * snapshot of each other job it moved whose throttle allows one now.
   */
  eventsOf(batch: WrittenBatch): OutboxEvent[];
  /** After the batch committed: arms the trailing progress of throttled jobs. Never throws. */
  afterCommit(batch: WrittenBatch): void;
  /** `progress` outside a ledger batch (planning), throttled, in a transaction of its own. Never throws. */
  progress(job: RevokeJobRow): void;
  /** A run whose `completed` event was committed elsewhere (planning): no progress follows it. */
  finished(job: RevokeJobRow): void;
  /** Cancels pending progress timers. */
  stop(): void;
}

/**
 * Job, account and lease events through the transactional outbox: a batch's
 * events commit with the ledger write they report, so a crash or a NATS outage
 * cannot lose them. Progress stays throttled per job (at most one per interval
 * in this process, the latest state wins): the leading snapshot rides in the
 * batch's transaction, a trailing one is enqueued on its own once the interval ends.
 */
export function createJobEvents(options: {
  db: Kysely<Database>;
  names: BusNames;
  logger: Logger;
  progressIntervalMs: number;
}): JobEvents {
  const { db, names, logger, progressIntervalMs } = options;
  const lastSent = new Map<string, number>();
  const trailing = new Map<string, { job: RevokeJobRow; timer: NodeJS.Timeout }>();
  const finished = new Set<string>();
  const runKey = (job: RevokeJobRow) => `${job.id}:${job.run}`;
  const due = (job: RevokeJobRow) => Date.now() - (lastSent.get(job.id) ?? 0) >= progressIntervalMs;

  const enqueueProgress = (job: RevokeJobRow) => {
    lastSent.set(job.id, Date.now());
    db.transaction()
      .execute((trx) => enqueueEvents(trx, [jobOutboxEvent(names, job, "progress")]))
      .catch((error: unknown) =>
        // A lost snapshot is superseded by the next one and by `completed`, which is transactional.
        logger.warn(
          { jobId: job.id, err: { message: (error as Error).message } },
          "progress event not written",
        ),
      );
  };
  const armTrailing = (job: RevokeJobRow) => {
    const pending = trailing.get(job.id);
    if (pending) {
      pending.job = job;
      return;
    }
    const entry = {
      job,
      timer: setTimeout(
        () => {
          trailing.delete(job.id);
          if (!finished.has(runKey(entry.job))) enqueueProgress(entry.job);
        },
        Math.max(0, progressIntervalMs - (Date.now() - (lastSent.get(job.id) ?? 0))),
      ),
    };
    entry.timer.unref();
    trailing.set(job.id, entry);
  };
  const forget = (job: RevokeJobRow) => {
    finished.add(runKey(job));
    const pending = trailing.get(job.id);
    if (pending) clearTimeout(pending.timer);
    trailing.delete(job.id);
    lastSent.delete(job.id);
  };
  // Jobs whose leading progress rode in a batch that has not committed yet.
  const inBatch = new WeakMap<WrittenBatch, Set<string>>();

  return {
    eventsOf(batch) {
      const events: OutboxEvent[] = [];
      for (const { account, jobId } of batch.wipedAccounts)
        events.push(accountRevokedOutboxEvent(names, account, jobId));
      const now = new Date();
      for (const lease of batch.revokedLeases) events.push(leaseOutboxEvent(names, lease, "revoked", now));
      const completedIds = new Set(batch.completedJobs.map((job) => job.id));
      const withProgress = new Set<string>();
      for (const job of batch.jobs) {
        if (completedIds.has(job.id) || finished.has(runKey(job)) || !due(job)) continue;
        events.push(jobOutboxEvent(names, job, "progress", now));
        withProgress.add(job.id);
      }
      for (const job of batch.completedJobs) events.push(jobOutboxEvent(names, job, "completed", now));
      inBatch.set(batch, withProgress);
      return events;
    },
    afterCommit(batch) {
      const withProgress = inBatch.get(batch) ?? new Set<string>();
      const completedIds = new Set(batch.completedJobs.map((job) => job.id));
      for (const job of batch.jobs) {
        if (completedIds.has(job.id) || finished.has(runKey(job))) continue;
        if (withProgress.has(job.id)) {
          // The snapshot that just committed is newer than any trailing one waiting.
          lastSent.set(job.id, Date.now());
          clearTimeout(trailing.get(job.id)?.timer);
          trailing.delete(job.id);
        } else armTrailing(job);
      }
      for (const job of batch.completedJobs) {
        forget(job);
        logger.info(
          { jobId: job.id, run: job.run, revoked: job.revoked, failed: job.failed, skipped: job.skipped },
          "revoke job completed",
        );
      }
    },
    progress(job) {
      if (finished.has(runKey(job))) return;
      if (due(job)) enqueueProgress(job);
      else armTrailing(job);
    },
    finished(job) {
      forget(job);
      logger.info({ jobId: job.id, run: job.run }, "revoke job completed");
    },
    stop() {
      for (const { timer } of trailing.values()) clearTimeout(timer);
      trailing.clear();
    },
  };
}
