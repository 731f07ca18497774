import { publishEvent, type Bus, type BusNames } from "@warden/bus";
import type { RevokeJobRow } from "@warden/db";
import { accountRevokedEventOf, jobEventMsgId, jobEventOf, leaseEventOf } from "@warden/events";
import type { Logger } from "@warden/logger";
import { AccountEventSchema, JobEventSchema, LeaseEventSchema } from "@warden/proto/events/v1";
import type { WrittenBatch } from "./ledger/write-outcomes.js";

/** The executor's event publishing. */
export interface JobEvents {
  /** `events.job.<id>.progress`, at most once per interval per job in this process (the latest state wins). */
  progress(job: RevokeJobRow): void;
  /** `events.job.<id>.completed`, stored durably; a retried publish is deduplicated by the stream. */
  completed(job: RevokeJobRow): Promise<void>;
  /** Publishes everything a committed ledger batch changed. Never throws. */
  afterCommit(batch: WrittenBatch): void;
  /** Cancels pending progress timers. */
  stop(): void;
}

/**
 * Publishes job, account and lease events after the ledger commits that caused
 * them; high-volume account events go out fire-and-forget, `completed` waits for
 * the stream's PubAck (with a per-run Nats-Msg-Id so it is recorded once).
 */
export function createJobEvents(options: {
  bus: Bus;
  names: BusNames;
  logger: Logger;
  progressIntervalMs: number;
}): JobEvents {
  const { bus, names, logger, progressIntervalMs } = options;
  const lastSent = new Map<string, number>();
  const trailing = new Map<string, { job: RevokeJobRow; timer: NodeJS.Timeout }>();
  const finished = new Set<string>();

  const sendProgress = (job: RevokeJobRow) => {
    lastSent.set(job.id, Date.now());
    publishCore(() =>
      publishEvent(bus.nc, names.subjects.jobEvent(job.id, "progress"), JobEventSchema, jobEventOf(job)),
    );
  };
  const publishCore = (send: () => Promise<void>) => {
    send().catch((error: unknown) =>
      logger.warn({ err: { message: (error as Error).message } }, "event publish failed"),
    );
  };

  const events: JobEvents = {
    progress(job) {
      if (finished.has(`${job.id}:${job.run}`)) return;
      const since = Date.now() - (lastSent.get(job.id) ?? 0);
      if (since >= progressIntervalMs) {
        sendProgress(job);
        return;
      }
      const pending = trailing.get(job.id);
      if (pending) {
        pending.job = job;
        return;
      }
      const entry = {
        job,
        timer: setTimeout(() => {
          trailing.delete(job.id);
          sendProgress(entry.job);
        }, progressIntervalMs - since),
      };
      entry.timer.unref();
      trailing.set(job.id, entry);
    },
    async completed(job) {
      finished.add(`${job.id}:${job.run}`);
      const pending = trailing.get(job.id);
      if (pending) clearTimeout(pending.timer);
      trailing.delete(job.id);
      lastSent.delete(job.id);
      await publishEvent(
        bus.js,
        names.subjects.jobEvent(job.id, "completed"),
        JobEventSchema,
        jobEventOf(job),
        { msgId: jobEventMsgId(job, "completed") },
      );
      logger.info(
        { jobId: job.id, run: job.run, revoked: job.revoked, failed: job.failed, skipped: job.skipped },
        "revoke job completed",
      );
    },
    afterCommit(batch) {
      for (const { account, jobId } of batch.wipedAccounts) {
        publishCore(() =>
          publishEvent(
            bus.nc,
            names.subjects.accountEvent(account.id, "revoked"),
            AccountEventSchema,
            accountRevokedEventOf(account, jobId),
          ),
        );
      }
      for (const lease of batch.revokedLeases) {
        publishCore(() =>
          publishEvent(
            bus.nc,
            names.subjects.leaseEvent(lease.id, "revoked"),
            LeaseEventSchema,
            leaseEventOf(lease, new Date()),
          ),
        );
      }
      const completedIds = new Set(batch.completedJobs.map((job) => job.id));
      for (const job of batch.jobs) if (!completedIds.has(job.id)) events.progress(job);
      for (const job of batch.completedJobs) {
        events
          .completed(job)
          .catch((error: unknown) =>
            logger.error(
              { jobId: job.id, err: { message: (error as Error).message } },
              "could not publish completed event",
            ),
          );
      }
    },
    stop() {
      for (const { timer } of trailing.values()) clearTimeout(timer);
      trailing.clear();
    },
  };
  return events;
}
