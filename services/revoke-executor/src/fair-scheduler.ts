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
  jobId: string;
  authConfigId: string;
  signal: AbortSignal;
  /** Set when the signal aborted; the waiter is dropped when it reaches the head of its queue. */
  gone: boolean;
  resolve: (granted: boolean) => void;
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
  // Waiters by the signal they wait under: one abort listener per signal rather than per
  // waiter, since EventTarget adds and removes listeners in time linear in their number.
  const bySignal = new Map<AbortSignal, { waiters: Set<Waiter>; onAbort: () => void }>();

  const forget = (waiter: Waiter) => {
    const entry = bySignal.get(waiter.signal);
    if (entry === undefined) return;
    entry.waiters.delete(waiter);
    if (entry.waiters.size === 0) {
      bySignal.delete(waiter.signal);
      waiter.signal.removeEventListener("abort", entry.onAbort);
    }
  };
  const headOf = (jobId: string): Waiter | undefined => {
    const queue = queues.get(jobId);
    if (queue === undefined) return undefined;
    while (queue.length > 0 && queue[0]!.gone) queue.shift();
    if (queue.length > 0) return queue[0];
    queues.delete(jobId);
    return undefined;
  };

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
        const head = headOf(jobId);
        // Only a job's head is considered: its items stay in delivery order.
        if (head === undefined || !hasRoom(head.authConfigId)) continue;
        const queue = queues.get(jobId)!;
        queue.shift();
        if (queue.length === 0) queues.delete(jobId);
        lastServed = jobId;
        take(head.authConfigId);
        forget(head);
        head.resolve(true);
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
        const waiter: Waiter = { jobId, authConfigId, signal, gone: false, resolve };
        let entry = bySignal.get(signal);
        if (entry === undefined) {
          const created = {
            waiters: new Set<Waiter>(),
            onAbort: () => {
              bySignal.delete(signal);
              for (const gone of created.waiters) {
                gone.gone = true;
                gone.resolve(false);
              }
              for (const id of [...queues.keys()]) headOf(id);
            },
          };
          entry = created;
          bySignal.set(signal, entry);
          signal.addEventListener("abort", entry.onAbort, { once: true });
        }
        entry.waiters.add(waiter);
        const queue = queues.get(jobId);
        if (queue) queue.push(waiter);
        else queues.set(jobId, [waiter]);
        // Only waiters handed back by an abort can stand ahead of it; with room, serve at once.
        if (inFlight < globalLimit) pump();
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
