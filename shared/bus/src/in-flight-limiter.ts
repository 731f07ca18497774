/** Bounds concurrent work and lets a shutdown wait for the work already started. */
export interface InFlightLimiter {
  /** Resolves true with a slot taken, or false (no slot) once `signal` aborts. */
  acquire(signal: AbortSignal): Promise<boolean>;
  /** Returns a slot taken by `acquire`. */
  release(): void;
  /** Resolves when no slot is taken. */
  idle(): Promise<void>;
  /** Resolves true once at least `count` slots are free (without taking them), or false once `signal` aborts. */
  whenFree(count: number, signal: AbortSignal): Promise<boolean>;
  readonly active: number;
  /** Slots not taken now. */
  readonly free: number;
}

/** Creates a limiter that never has more than `limit` slots taken at once. */
export function createInFlightLimiter(limit: number): InFlightLimiter {
  if (!Number.isInteger(limit) || limit < 1)
    throw new Error(`concurrency must be a positive integer, got ${limit}`);
  let active = 0;
  const waiting: Array<() => void> = [];
  let idleWaiters: Array<() => void> = [];
  let freeWaiters: Array<{ count: number; wake: () => void }> = [];
  const wakeFreeWaiters = () => {
    if (freeWaiters.length === 0) return;
    const ready = freeWaiters.filter((w) => limit - active >= w.count);
    if (ready.length === 0) return;
    freeWaiters = freeWaiters.filter((w) => limit - active < w.count);
    for (const waiter of ready) waiter.wake();
  };

  return {
    get active() {
      return active;
    },
    get free() {
      return limit - active;
    },
    acquire(signal) {
      if (signal.aborted) return Promise.resolve(false);
      if (active < limit) {
        active++;
        return Promise.resolve(true);
      }
      return new Promise<boolean>((resolve) => {
        const grant = () => {
          signal.removeEventListener("abort", onAbort);
          active++;
          resolve(true);
        };
        const onAbort = () => {
          const index = waiting.indexOf(grant);
          if (index >= 0) waiting.splice(index, 1);
          resolve(false);
        };
        waiting.push(grant);
        signal.addEventListener("abort", onAbort, { once: true });
      });
    },
    release() {
      if (active === 0) throw new Error("release without acquire");
      active--;
      const next = waiting.shift();
      if (next) {
        next();
      } else {
        if (active === 0) {
          const waiters = idleWaiters;
          idleWaiters = [];
          for (const wake of waiters) wake();
        }
        wakeFreeWaiters();
      }
    },
    whenFree(count, signal) {
      if (signal.aborted) return Promise.resolve(false);
      const needed = Math.min(count, limit);
      if (limit - active >= needed) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const waiter = {
          count: needed,
          wake: () => {
            signal.removeEventListener("abort", onAbort);
            resolve(true);
          },
        };
        const onAbort = () => {
          freeWaiters = freeWaiters.filter((w) => w !== waiter);
          resolve(false);
        };
        freeWaiters.push(waiter);
        signal.addEventListener("abort", onAbort, { once: true });
      });
    },
    idle() {
      if (active === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
}
