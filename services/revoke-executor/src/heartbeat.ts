import type { Logger } from "@warden/logger";
import { executorHeartbeatKey, type Redis } from "@warden/redis";
import type { AuthConfigLoad } from "./fair-scheduler.js";

/** What one executor reports for GetPoolStatus. */
export interface HeartbeatSnapshot {
  inFlight: number;
  /** Redelivered deliveries (delivery count > 1) handled since the previous heartbeat. */
  redelivered: number;
  authConfigs: Record<string, AuthConfigLoad>;
}

/** A running heartbeat. */
export interface Heartbeat {
  /** Stops beating and deletes the key, so the pool shrinks at once rather than after the TTL. */
  stop(): Promise<void>;
}

/**
 * Every `intervalMs` SETs `executorHeartbeatKey(instance)` with a TTL of three
 * intervals; a Redis outage only skips beats (the executor keeps working).
 */
export function startHeartbeat(options: {
  redis: Redis;
  instance: string;
  intervalMs: number;
  snapshot: () => HeartbeatSnapshot;
  logger: Logger;
}): Heartbeat {
  const { redis, instance, intervalMs, logger } = options;
  const key = executorHeartbeatKey(instance);
  let failing = false;
  const beat = async () => {
    try {
      const value = JSON.stringify({ instance, ...options.snapshot() });
      await redis.set(key, value, "PX", intervalMs * 3);
      failing = false;
    } catch (error) {
      if (!failing) logger.warn({ err: { message: (error as Error).message } }, "heartbeat not written");
      failing = true;
    }
  };
  void beat();
  const timer = setInterval(() => void beat(), intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await redis.del(key).catch(() => undefined);
    },
  };
}
