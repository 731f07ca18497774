import type { Logger } from "@warden/logger";
import { EXECUTOR_REDELIVERED_KEY, executorHeartbeatKey, type Redis } from "@warden/redis";
import type { AuthConfigLoad } from "./fair-scheduler.js";

/** What one executor reports for GetPoolStatus. */
export interface HeartbeatSnapshot {
  inFlight: number;
  /** Redelivered deliveries (delivery count > 1) handled since this executor started: a running total. */
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
 * intervals and, in the same MULTI, adds the redeliveries seen since the last
 * beat that landed to the pool's running total: none is counted twice or
 * lost, and a Redis outage only skips beats (the executor keeps working).
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
  // The part of the running total already added to the pool's counter.
  let added = 0;
  const beat = async (alive = true) => {
    try {
      const snapshot = options.snapshot();
      const delta = snapshot.redelivered - added;
      const tx = redis.multi();
      if (alive) tx.set(key, JSON.stringify({ instance, ...snapshot }), "PX", intervalMs * 3);
      else tx.del(key);
      if (delta > 0) tx.incrby(EXECUTOR_REDELIVERED_KEY, delta);
      const results = await tx.exec();
      const failed = results?.find(([error]) => error !== null)?.[0];
      if (results === null || failed) throw failed ?? new Error("heartbeat transaction discarded");
      added += delta;
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
      // The last beat deletes the key and hands in the redeliveries not yet counted.
      await beat(false);
    },
  };
}
