import type { Logger } from "@warden/logger";
import type { SweeperTask } from "./sweeper-task.js";
import type { TaskLease } from "./task-lease.js";

/** Thrown into a run's signal when its lease is gone. */
export class LeaseLostError extends Error {
  constructor(task: string, why: string) {
    super(`lease of task ${task} lost: ${why}`);
    this.name = "LeaseLostError";
  }
}

/** How one execution ended. */
export type LeasedRunResult =
  | { kind: "success"; summary: Record<string, number> | void }
  | { kind: "failure"; error: unknown }
  | { kind: "aborted"; error: unknown };

export interface RunWithLeaseOptions {
  task: SweeperTask;
  lease: TaskLease;
  ttlMs: number;
  runId: string;
  logger: Logger;
  /** The process's stop signal; aborting it aborts the run too. */
  stopSignal: AbortSignal;
}

/**
 * Runs the task while renewing its lease every ttl/3. If a renewal finds the
 * lease taken (or cannot reach Redis for a whole TTL, so it may have
 * expired), the run's signal aborts and the run ends as `aborted` at once,
 * without waiting for the task to notice. Releases the lease (if still ours) at the end.
 */
export async function runWithLease(options: RunWithLeaseOptions): Promise<LeasedRunResult> {
  const { task, lease, ttlMs, logger } = options;
  const controller = new AbortController();
  const onStop = () => controller.abort(options.stopSignal.reason ?? new Error("sweeper stopping"));
  options.stopSignal.addEventListener("abort", onStop, { once: true });
  if (options.stopSignal.aborted) onStop();

  let lastRenewed = Date.now();
  let renewing = false;
  const renewTimer = setInterval(
    () => {
      if (renewing || controller.signal.aborted) return;
      renewing = true;
      lease
        .renew()
        .then((ours) => {
          if (ours) lastRenewed = Date.now();
          else controller.abort(new LeaseLostError(task.name, "another holder owns it"));
        })
        .catch((error: unknown) => {
          logger.warn({ task: task.name, err: error }, "could not renew task lease");
          if (Date.now() - lastRenewed >= ttlMs)
            controller.abort(new LeaseLostError(task.name, "not renewed within its TTL"));
        })
        .finally(() => (renewing = false));
    },
    Math.max(10, Math.floor(ttlMs / 3)),
  );

  const aborted = new Promise<LeasedRunResult>((resolve) => {
    const settle = () => resolve({ kind: "aborted", error: controller.signal.reason });
    if (controller.signal.aborted) settle();
    else controller.signal.addEventListener("abort", settle, { once: true });
  });
  const ran = Promise.resolve()
    .then(() => task.run({ signal: controller.signal, runId: options.runId, now: new Date(), logger }))
    .then(
      (summary): LeasedRunResult => ({ kind: "success", summary }),
      (error: unknown): LeasedRunResult =>
        controller.signal.aborted
          ? { kind: "aborted", error: controller.signal.reason }
          : { kind: "failure", error },
    );
  try {
    return await Promise.race([ran, aborted]);
  } finally {
    clearInterval(renewTimer);
    options.stopSignal.removeEventListener("abort", onStop);
    // A run that ended on its own must not leave the signal live for stray work.
    if (!controller.signal.aborted) controller.abort(new Error("run finished"));
    await lease
      .release()
      .catch((error: unknown) =>
        logger.warn({ task: task.name, err: error }, "could not release task lease"),
      );
  }
}
