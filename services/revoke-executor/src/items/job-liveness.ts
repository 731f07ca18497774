import type { Database } from "@warden/db";
import type { Kysely } from "kysely";

/** Whether jobs are still planning or running, as recently read. */
export interface JobLiveness {
  /**
   * True only if a read of the job started at most `maxStaleMs` ago found it
   * planning or running and nothing has reported it stopped since; answers at
   * once from the last poll when that is fresh enough, else waits for a read.
   */
  isLive(jobId: string): boolean | Promise<boolean>;
  /** Marks a job stopped at once (its `cancelled` event, its loop stopping); a later read may find it live again (a retry). */
  stopped(jobId: string): void;
  /** Stops polling. */
  stop(): void;
}

interface Known {
  live: boolean;
  /** When the read that found this started. */
  checkedAt: number;
}

interface Read {
  startedAt: number;
  ids: Set<string>;
  done: Promise<void>;
}

/**
 * Keeps the status of the jobs this process is working on fresh with one small
 * indexed read every `pollMs` (while any job was asked about in the last
 * second), so the check right before each provider call costs nothing yet never
 * trusts a read older than `maxStaleMs`.
 */
export function createJobLiveness(options: {
  db: Kysely<Database>;
  pollMs: number;
  maxStaleMs: number;
}): JobLiveness {
  const { db, pollMs, maxStaleMs } = options;
  const known = new Map<string, Known>();
  const stoppedAt = new Map<string, number>();
  const askedAt = new Map<string, number>();
  const reads = new Set<Read>();

  const read = (ids: Set<string>): Read => {
    const startedAt = performance.now();
    const entry: Read = {
      startedAt,
      ids,
      done: db
        .selectFrom("revoke_jobs")
        .select(["id", "status"])
        .where("id", "in", [...ids])
        .execute()
        .then((rows) => {
          const live = new Set(
            rows.filter((r) => r.status === "planning" || r.status === "running").map((r) => r.id),
          );
          for (const id of ids) {
            // A stop reported after this read started wins over what it saw.
            const stopped = (stoppedAt.get(id) ?? -Infinity) >= startedAt;
            const previous = known.get(id);
            if (previous !== undefined && previous.checkedAt > startedAt) continue;
            known.set(id, { live: live.has(id) && !stopped, checkedAt: startedAt });
          }
        })
        .finally(() => reads.delete(entry)),
    };
    reads.add(entry);
    return entry;
  };

  const fresh = (id: string, now: number) => {
    const entry = known.get(id);
    return entry !== undefined && now - entry.checkedAt <= maxStaleMs ? entry : undefined;
  };

  // Runs only while some job was asked about in the last second: an idle executor
  // would otherwise wake 100 times a second (pollMs 10) for nothing.
  let timer: NodeJS.Timeout | undefined;
  const poll = () => {
    const now = performance.now();
    for (const [id, at] of askedAt) {
      if (now - at > 1_000) {
        askedAt.delete(id);
        known.delete(id);
        stoppedAt.delete(id);
      }
    }
    if (askedAt.size === 0) {
      clearInterval(timer);
      timer = undefined;
      return;
    }
    // At most two polls overlap when the database is slow; misses then read on demand.
    if (reads.size >= 2) return;
    read(new Set(askedAt.keys())).done.catch(() => undefined);
  };
  let stopped = false;

  return {
    isLive(jobId) {
      const now = performance.now();
      askedAt.set(jobId, now);
      if (timer === undefined && !stopped) (timer = setInterval(poll, pollMs)).unref();
      const entry = fresh(jobId, now);
      if (entry !== undefined) return entry.live;
      let pending: Read | undefined;
      for (const r of reads) if (r.ids.has(jobId) && now - r.startedAt <= maxStaleMs) pending = r;
      pending ??= read(new Set([jobId, ...askedAt.keys()]));
      const started = pending.startedAt;
      return pending.done.then(() => {
        const after = known.get(jobId);
        if ((stoppedAt.get(jobId) ?? -Infinity) >= started) return false;
        return after !== undefined && after.checkedAt >= started ? after.live : false;
      });
    },
    stopped(jobId) {
      const now = performance.now();
      stoppedAt.set(jobId, now);
      known.set(jobId, { live: false, checkedAt: now });
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      timer = undefined;
    },
  };
}
