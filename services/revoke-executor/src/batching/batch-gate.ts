/**
 * Bounds how many batches of one DataLoader run at once. A batch that is
 * waiting for its turn stays open and keeps collecting keys, so under load the
 * batches grow with the backlog instead of going out as many small round trips
 * (group commit), while an idle loader still dispatches after `waitMs`.
 */
export interface BatchGate {
  /** DataLoader's `batchScheduleFn`. */
  schedule(dispatch: () => void): void;
  /** Wraps the batch function's work: it counts as running until it settles. */
  run<T>(work: () => Promise<T>): Promise<T>;
}

/** Creates a gate letting `concurrency` batches run at once, each dispatched no sooner than `waitMs` after it opened. */
export function createBatchGate(options: { concurrency: number; waitMs: number }): BatchGate {
  const { concurrency, waitMs } = options;
  let running = 0;
  const waiting: Array<() => void> = [];
  const admit = () => {
    // dispatch() calls the batch function synchronously, which enters run() and counts itself.
    while (running < concurrency && waiting.length > 0) waiting.shift()!();
  };
  return {
    schedule(dispatch) {
      setTimeout(() => {
        waiting.push(dispatch);
        admit();
      }, waitMs);
    },
    async run(work) {
      running++;
      try {
        return await work();
      } finally {
        running--;
        admit();
      }
    },
  };
}
