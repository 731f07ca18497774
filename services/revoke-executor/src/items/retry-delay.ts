/** Delay before the next attempt: the provider's Retry-After when given, else base × 2^(attempt−1) capped, ±20 % jitter. */
export function retryDelayMs(
  attempts: number,
  retryAfterMs: number | undefined,
  baseMs: number,
  maxMs: number,
): number {
  if (retryAfterMs !== undefined) return Math.max(retryAfterMs, 1);
  const exponential = Math.min(baseMs * 2 ** Math.max(0, attempts - 1), maxMs);
  return Math.round(exponential * (0.8 + Math.random() * 0.4));
}
