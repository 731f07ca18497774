import { setTimeout as sleep } from "node:timers/promises";

/** Options for waitFor; `message` names what is awaited, as in "NATS on port 4222 to answer". */
export interface WaitForOptions {
  message: string;
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Resolves with the predicate's first truthy result; a throwing predicate counts as "not yet". After
 * `timeoutMs` (default 10 s) it rejects with "timed out after N ms waiting for <message>" and the last error.
 * For tests only: it polls, which production code must not do.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { message, timeoutMs = 10_000, intervalMs = 50 }: WaitForOptions,
): Promise<Awaited<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError === undefined ? "" : ` (last error: ${describe(lastError)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}${cause}`, { cause: lastError });
    }
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
