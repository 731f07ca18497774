/** Something that emits "close" exactly once when its request is over (http and http2 responses do). */
export interface Closable {
  once(event: "close", listener: () => void): unknown;
}

/** Counts requests still being served so shutdown can wait for them. */
export interface InflightRequests {
  /** Counts `response` until it emits "close". */
  track(response: Closable): void;
  /** Requests started and not yet closed. */
  readonly count: number;
  /** Resolves once no request is in flight (at once if none is). */
  idle(): Promise<void>;
}

/** Creates an in-flight counter whose idle() resolves the moment the last tracked request closes. */
export function createInflightRequests(): InflightRequests {
  let count = 0;
  let waiters: (() => void)[] = [];
  return {
    track(response) {
      count += 1;
      response.once("close", () => {
        count -= 1;
        if (count > 0) return;
        const ready = waiters;
        waiters = [];
        for (const resolve of ready) resolve();
      });
    },
    get count() {
      return count;
    },
    idle() {
      if (count === 0) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}
