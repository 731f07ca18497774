import { unavailable } from "@warden/errors";

/** Tracks the leaders of this process so shutdown can wait for their answers to be written. */
export interface LeaderDrain {
  /**
   * Runs a leader's critical section (provider call and the write of its
   * answer). Once close() began, refuses with UNAVAILABLE before any provider
   * call, so the caller retries on another replica.
   */
  lead<T>(work: () => Promise<T>): Promise<T>;
  /** Leaders running now. */
  active(): number;
  /**
   * Stops new leaders and resolves once every running one has written its
   * answer, or when `timeoutMs` passed; resolves with how many were still running.
   */
  close(timeoutMs: number): Promise<number>;
}

/** Creates an open drain. */
export function createLeaderDrain(): LeaderDrain {
  let closing = false;
  let active = 0;
  let onIdle: (() => void) | undefined;
  return {
    async lead(work) {
      if (closing) throw unavailable("token-refresh is shutting down; retry on another replica");
      active++;
      try {
        return await work();
      } finally {
        active--;
        if (active === 0) onIdle?.();
      }
    },
    active: () => active,
    async close(timeoutMs) {
      closing = true;
      if (active > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeoutMs);
          onIdle = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      return active;
    },
  };
}
