/** A counting semaphore whose waiters queue in process (no timeout), first come first served. */
export interface FlightSlots {
  /** Runs `work` once a slot is free, and frees it after. */
  run<T>(work: () => Promise<T>): Promise<T>;
}

/** Creates `size` slots. */
export function createFlightSlots(size: number): FlightSlots {
  let free = Math.max(1, size);
  const waiting: Array<() => void> = [];
  return {
    async run(work) {
      if (free > 0) free--;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await work();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else free++;
      }
    },
  };
}
