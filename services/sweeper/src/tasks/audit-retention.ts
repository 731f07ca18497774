import { deleteAuditEventsBefore } from "@warden/db";
import type { SweeperTask } from "../scheduler/sweeper-task.js";
import { BATCH_SIZE, type TaskDeps } from "./task-deps.js";

const MIN_RETENTION_MS = 24 * 60 * 60 * 1000;

export interface AuditRetentionOptions {
  intervalMs: number;
  /** Audit events older than this are deleted. The table's trigger never lets one younger than a day go. */
  retentionMs: number;
}

/**
 * audit-retention: deletes audit events older than the retention, BATCH_SIZE
 * per transaction (each declares its cutoff to the append-only trigger), so a
 * backlog never holds one long lock; stops between batches if its lease is lost.
 */
export function createAuditRetentionTask(deps: TaskDeps, options: AuditRetentionOptions): SweeperTask {
  return {
    name: "audit-retention",
    intervalMs: options.intervalMs,
    async run(context) {
      // The trigger refuses to delete anything younger than a day; a shorter
      // retention is clamped instead of failing every run.
      const cutoff = new Date(context.now.getTime() - Math.max(options.retentionMs, MIN_RETENTION_MS));
      let deleted = 0;
      for (;;) {
        context.signal.throwIfAborted();
        const batch = await deleteAuditEventsBefore(deps.db, cutoff, BATCH_SIZE);
        deleted += batch;
        if (batch < BATCH_SIZE) break;
      }
      return { deleted };
    },
  };
}
