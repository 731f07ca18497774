/**
 * A poll loop's sleep that a nudge cuts short. A nudge that lands while the
 * loop is busy is kept until the next `pause`, so no wake-up is lost between
 * reading a batch and going back to sleep; `arm()` at the top of each pass
 * forgets the nudges that pass already answers.
 */
export interface WakeSignal {
  /** Wakes a pending pause now, or the next one at once. */
  nudge(): void;
  /** Clears nudges seen so far (call before reading a batch). */
  arm(): void;
  /** Resolves after `ms`, or at once / on the next nudge. */
  pause(ms: number): Promise<void>;
}

export function createWakeSignal(): WakeSignal {
  let woken = false;
  let wake: (() => void) | undefined;
  return {
    nudge() {
      woken = true;
      const resume = wake;
      wake = undefined;
      resume?.();
    },
    arm() {
      woken = false;
    },
    pause(ms) {
      return new Promise<void>((resolve) => {
        if (woken) return resolve();
        const timer = setTimeout(() => {
          wake = undefined;
          resolve();
        }, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    },
  };
}
