import type { Redis } from "ioredis";

// Compare-and-act scripts: only the holder of the token may extend or delete
// the key, atomically, so a holder whose lock expired and was taken over can
// never extend or delete the next holder's lock (no blind PEXPIRE, no blind DEL).
const RENEW_IF_OWNER = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_IF_OWNER = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

/** Takes `key` for `token` with SET NX PX; true if it was free and is now held. Throws if Redis is unreachable. */
export async function acquireOwnedLock(
  redis: Redis,
  key: string,
  token: string,
  ttlMs: number,
): Promise<boolean> {
  return (await redis.set(key, token, "PX", ttlMs, "NX")) === "OK";
}

/** Extends `key` to `ttlMs` from now only if `token` still holds it; false if it was lost. */
export async function renewOwnedLock(
  redis: Redis,
  key: string,
  token: string,
  ttlMs: number,
): Promise<boolean> {
  return Number(await redis.eval(RENEW_IF_OWNER, 1, key, token, String(ttlMs))) === 1;
}

/** Deletes `key` only if `token` still holds it; false if it had expired or passed to another holder. */
export async function releaseOwnedLock(redis: Redis, key: string, token: string): Promise<boolean> {
  return Number(await redis.eval(RELEASE_IF_OWNER, 1, key, token)) === 1;
}
