import type { SweeperTask } from "../scheduler/sweeper-task.js";
import type { TaskDeps } from "./task-deps.js";

export interface LedgerRetentionOptions {
  intervalMs: number;
  /** Items of jobs finished (completed or cancelled) longer ago than this are deleted. */
  retentionMs: number;
}

const JOBS_PER_BATCH = 20;

/**
 * ledger-retention: deletes the revoke_items of jobs that finished longer ago
 * than the retention, a few jobs per statement; the job rows (with their
 * counts) stay as the summary.
 */
export function createLedgerRetentionTask(deps: TaskDeps, options: LedgerRetentionOptions): SweeperTask {
  return {
    name: "ledger-retention",
    intervalMs: options.intervalMs,
    async run(context) {
      const cutoff = new Date(context.now.getTime() - options.retentionMs);
      let after = "";
      let deleted = 0;
      for (;;) {
        context.signal.throwIfAborted();
        const jobs = await deps.db
          .selectFrom("revoke_jobs")
          .select("id")
          .where("status", "in", ["completed", "cancelled"])
          .where("finished_at", "<", cutoff)
          .where("id", ">", after)
          .orderBy("id")
          .limit(JOBS_PER_BATCH)
          .execute();
        if (jobs.length === 0) break;
        after = jobs[jobs.length - 1]!.id;
        const result = await deps.db
          .deleteFrom("revoke_items")
          .where(
            "job_id",
            "in",
            jobs.map((j) => j.id),
          )
          .executeTakeFirst();
        deleted += Number(result.numDeletedRows);
      }
      return { deleted };
    },
  };
}
