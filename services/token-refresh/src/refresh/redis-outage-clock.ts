import type { Redis } from "@warden/redis";

/**
 * Remembers when this process last found Redis unreachable, so the fallback
 * can tell "Redis just went down" (a leader elected through Redis may still be
 * calling the provider) from "Redis has been down a while" (no such leader is
 * left: its provider call is bounded by the provider timeout).
 */
export interface RedisOutageClock {
  /** Records that Redis was unreachable now (the first such moment of an outage sticks). */
  markDown(): void;
  /**
   * Until when a Redis-elected leader may still be calling the provider: the
   * outage's start plus `providerTimeoutMs` (and a margin); 0 when Redis is up.
   */
  redisEraLeadersDoneBy(): number;
}

/** Starts the clock on a client; "ready" (a reconnect) ends the outage. */
export function createRedisOutageClock(
  redis: Redis,
  providerTimeoutMs: number,
  now: () => number = Date.now,
): RedisOutageClock {
  // Covers the leader's own steps around the provider call (reads, the write).
  const MARGIN_MS = 1_000;
  let downSince: number | undefined = redis.status === "ready" ? undefined : now();
  redis.on("ready", () => {
    downSince = undefined;
  });
  // A dropped connection starts the outage even before any refresh notices it.
  redis.on("close", () => {
    downSince ??= now();
  });
  return {
    markDown() {
      downSince ??= now();
    },
    redisEraLeadersDoneBy() {
      return downSince === undefined ? 0 : downSince + providerTimeoutMs + MARGIN_MS;
    },
  };
}
