import { randomBytes } from "node:crypto";
import { acquireOwnedLock, releaseOwnedLock, renewOwnedLock, type Redis } from "@warden/redis";

/** The per-account refresh lock in Redis: SET NX PX with an owner token. */
export interface RedisRefreshLock {
  readonly ttlMs: number;
  /** The owner token if this caller now holds the lock, undefined if someone else does; throws if Redis is unreachable. */
  tryAcquire(accountId: string): Promise<string | undefined>;
  /** Extends the lock if `owner` still holds it; false if it was lost. */
  renew(accountId: string, owner: string): Promise<boolean>;
  /** Deletes the lock only if `owner` still holds it; false if it had expired or passed on. */
  release(accountId: string, owner: string): Promise<boolean>;
}

/** The lock's key (the client adds the namespace prefix). */
export function refreshLockKey(accountId: string): string {
  return `token-refresh:lock:account:${accountId}`;
}

/** Creates the lock on a namespaced client; nothing is sent until a method is called. */
export function createRedisRefreshLock(redis: Redis, ttlMs: number): RedisRefreshLock {
  return {
    ttlMs,
    async tryAcquire(accountId) {
      const owner = randomBytes(16).toString("hex");
      return (await acquireOwnedLock(redis, refreshLockKey(accountId), owner, ttlMs)) ? owner : undefined;
    },
    renew: (accountId, owner) => renewOwnedLock(redis, refreshLockKey(accountId), owner, ttlMs),
    release: (accountId, owner) => releaseOwnedLock(redis, refreshLockKey(accountId), owner),
  };
}

/**
 * Renews the lock every third of its TTL until stop() is called; reports a
 * lost lock once (the fenced write still protects the token).
 */
export function keepRefreshLockAlive(
  lock: RedisRefreshLock,
  accountId: string,
  owner: string,
  onLost: (reason: "expired" | "redis_error") => void,
): () => void {
  let lost = false;
  const timer = setInterval(
    () => {
      lock.renew(accountId, owner).then(
        (held) => {
          if (!held && !lost) {
            lost = true;
            onLost("expired");
          }
        },
        () => {
          if (!lost) {
            lost = true;
            onLost("redis_error");
          }
        },
      );
    },
    Math.max(50, Math.floor(lock.ttlMs / 3)),
  );
  timer.unref();
  return () => clearInterval(timer);
}
