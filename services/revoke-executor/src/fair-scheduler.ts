/** In-flight accounting of one auth config, as the heartbeat reports it. */
export interface AuthConfigLoad {
  inFlight: number;
  limit: number;
}

/** Admits provider calls fairly across jobs, within a global and a per-auth-config bound. */
export interface FairScheduler {
  /**
   * Resolves true once the call may start (the caller must `release` it), or
   * false if `signal` aborted first. Waiting jobs are served round-robin, so a
   * job with one item is not queued behind a job with 100,000.
   */
  acquire(jobId: string, authConfigId: string, signal: AbortSignal): Promise<boolean>;
  release(authConfigId: string): void;
  readonly inFlight: number;
  /** Auth configs with calls in flight or waiting. */
  authConfigLoad(): Record<string, AuthConfigLoad>;
}

interface Waiter {
  authConfigId: string;
  grant: () => void;
}

/** Creates a scheduler with at most `globalLimit` calls in flight and `perAuthConfigLimit` per auth config. */
export function createFairScheduler(options: {
  globalLimit: number;
  perAuthConfigLimit: number;
}): FairScheduler {
  const { globalLimit, perAuthConfigLimit } = options;
  // Insertion-ordered: the rotation order. A job is removed when its queue empties.
  const queues = new Map<string, Waiter[]>();
  const perAuthConfig = new Map<string, number>();
  let inFlight = 0;
  // The job served last; the next grant starts looking after it.
  let lastServed: string | undefined;

  const hasRoom = (authConfigId: string) => (perAuthConfig.get(authConfigId) ?? 0) < perAuthConfigLimit;
  const take = (authConfigId: string) => {
    inFlight++;
    perAuthConfig.set(authConfigId, (perAuthConfig.get(authConfigId) ?? 0) + 1);
  };

  const pump = () => {
    while (inFlight < globalLimit && queues.size > 0) {
      const jobs = [...queues.keys()];
      const start = lastServed === undefined ? 0 : jobs.indexOf(lastServed) + 1;
      let granted = false;
      for (let i = 0; i < jobs.length; i++) {
        const jobId = jobs[(start + i) % jobs.length]!;
        const queue = queues.get(jobId)!;
        const head = queue[0]!;
        // Only a job's head is considered: its items stay in delivery order.
        if (!hasRoom(head.authConfigId)) continue;
        queue.shift();
        if (queue.length === 0) queues.delete(jobId);
        lastServed = jobId;
        take(head.authConfigId);
        head.grant();
        granted = true;
        break;
      }
      if (!granted) return;
    }
  };

  return {
    get inFlight() {
      return inFlight;
    },
    acquire(jobId, authConfigId, signal) {
      if (signal.aborted) return Promise.resolve(false);
      if (!queues.has(jobId) && inFlight < globalLimit && hasRoom(authConfigId)) {
        take(authConfigId);
        return Promise.resolve(true);
      }
      return new Promise<boolean>((resolve) => {
        const waiter: Waiter = {
          authConfigId,
          grant: () => {
            signal.removeEventListener("abort", onAbort);
            resolve(true);
          },
        };
        const onAbort = () => {
          const queue = queues.get(jobId);
          const index = queue?.indexOf(waiter) ?? -1;
          if (queue && index >= 0) {
            queue.splice(index, 1);
            if (queue.length === 0) queues.delete(jobId);
          }
          resolve(false);
        };
        signal.addEventListener("abort", onAbort, { once: true });
        const queue = queues.get(jobId);
        if (queue) queue.push(waiter);
        else queues.set(jobId, [waiter]);
      });
    },
    release(authConfigId) {
      inFlight--;
      const left = (perAuthConfig.get(authConfigId) ?? 1) - 1;
      if (left <= 0) perAuthConfig.delete(authConfigId);
      else perAuthConfig.set(authConfigId, left);
      pump();
    },
    authConfigLoad() {
      const load: Record<string, AuthConfigLoad> = {};
      for (const [id, count] of perAuthConfig) load[id] = { inFlight: count, limit: perAuthConfigLimit };
      return load;
    },
  };
}
