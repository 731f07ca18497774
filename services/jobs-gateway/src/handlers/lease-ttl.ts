import { invalidArgument } from "@warden/errors";

/** The longest lease anyone may take: 30 days. */
export const MAX_LEASE_TTL_MS = 30 * 24 * 60 * 60 * 1000;

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

// One positive integer and one unit. Digits are bounded so a huge number can
// never reach Number's imprecise range before the 30-day check rejects it.
const TTL = /^(\d{1,7})([mhd])$/;

/**
 * Parses a lease ttl such as "45m", "24h" or "7d" into milliseconds; anything
 * else — empty, zero, negative, fractional, unknown unit, over 30 days — is
 * INVALID_ARGUMENT naming the field `ttl`.
 */
export function parseLeaseTtl(value: string): number {
  const match = TTL.exec(value.trim());
  if (!match) throw invalidArgument("ttl", 'must be a duration like "45m", "24h" or "7d"');
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (ms <= 0) throw invalidArgument("ttl", "must be greater than zero");
  if (ms > MAX_LEASE_TTL_MS) throw invalidArgument("ttl", "must be at most 30 days");
  return ms;
}
