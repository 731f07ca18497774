import type { Logger } from "@warden/logger";

/** What a task run gets from the scheduler. */
export interface TaskRunContext {
  /** Aborts when the lease is lost or the process stops; a task checks it between batches. */
  signal: AbortSignal;
  /** Unique per run: `<slot>` for scheduled runs, `manual-<ms>` for RunTask; tasks use it in Nats-Msg-Ids. */
  runId: string;
  now: Date;
  logger: Logger;
}

/** A periodic task: runs on one replica per interval. */
export interface SweeperTask {
  name: string;
  intervalMs: number;
  /** Does one pass; resolves with counts worth logging. Throw a PermanentError when retrying cannot help. */
  run(context: TaskRunContext): Promise<Record<string, number> | void>;
}
