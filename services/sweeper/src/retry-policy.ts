// One backoff rule for everything the sweeper retries (failed task runs,
// notification deliveries): exponential, capped, jittered, forever unless the
// error says retrying cannot help.

/** How retries are spaced. */
export interface RetryPolicy {
  initialMs: number;
  factor: number;
  maxMs: number;
  /** Fraction of each delay drawn at random either way (0.2 = ±20 %), so replicas do not retry in lockstep. */
  jitter: number;
}

/** DESIGN §5.4: 1 s, ×2, capped at 1 h, 20 % jitter. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  initialMs: 1_000,
  factor: 2,
  maxMs: 3_600_000,
  jitter: 0.2,
};

/** An error that retrying cannot fix (a 4xx from a webhook, a bad configuration). */
export class PermanentError extends Error {
  readonly permanent = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PermanentError";
  }
}

/** True for a PermanentError or any error flagged `permanent: true`. */
export function isPermanent(error: unknown): boolean {
  return (
    error instanceof PermanentError ||
    (typeof error === "object" && error !== null && (error as { permanent?: unknown }).permanent === true)
  );
}

/** The delay before retry number `attempt` (1 = first retry): initial × factor^(attempt-1), capped, then jittered. */
export function retryDelayMs(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempt - 1);
  // Cap before jitter, and guard the power against overflowing to Infinity.
  const base = Math.min(policy.maxMs, policy.initialMs * Math.pow(policy.factor, Math.min(exponent, 1_000)));
  const spread = base * policy.jitter;
  return Math.max(0, Math.round(base - spread + random() * 2 * spread));
}

export interface RetryOptions {
  policy: RetryPolicy;
  /** Abort to stop retrying; the pending wait ends at once and the abort reason is thrown. */
  signal?: AbortSignal;
  /** Called before each wait, e.g. to log or count. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  random?: () => number;
}

/**
 * Calls `attempt` until it resolves, waiting `retryDelayMs` between failures,
 * forever; rethrows at once an error marked permanent, and the abort reason
 * once `signal` aborts.
 */
export async function retryUntilDone<T>(
  attempt: (n: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  for (let n = 1; ; n++) {
    options.signal?.throwIfAborted();
    try {
      return await attempt(n);
    } catch (error) {
      if (isPermanent(error)) throw error;
      options.signal?.throwIfAborted();
      const delay = retryDelayMs(options.policy, n, options.random);
      options.onRetry?.(error, n, delay);
      await abortableSleep(delay, options.signal);
    }
  }
}

/** Resolves after `ms`, or rejects with the abort reason as soon as `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
