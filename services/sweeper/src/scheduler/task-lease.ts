import { randomBytes } from "node:crypto";
import type { Redis } from "@warden/redis";

// Only the owner may extend or release: both compare the stored token first,
// atomically, so a replica whose lease expired and was taken over can never
// extend or delete the new owner's lease (no blind DEL, no blind PEXPIRE).
const RENEW_IF_OWNER = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_IF_OWNER = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

/** A held task lease. */
export interface TaskLease {
  key: string;
  /** `<owner>:<random>`: unique per acquisition, so an old holder never matches a new one. */
  token: string;
  /** Extends the lease to `ttlMs` from now; false if it is no longer ours (expired or stolen). */
  renew(): Promise<boolean>;
  /** Deletes the lease if it is still ours; false if it was not. */
  release(): Promise<boolean>;
}

/** The Redis key of a task's lease (namespaced by the client's key prefix). */
export function taskLeaseKey(task: string): string {
  return `sweeper:lease:${task}`;
}

/** The owner part of a lease token (the replica id), or undefined for a missing token. */
export function leaseOwner(token: string | null): string | undefined {
  if (token === null) return undefined;
  const cut = token.lastIndexOf(":");
  return cut > 0 ? token.slice(0, cut) : token;
}

/** Takes the task's lease with SET NX PX if nobody holds it; undefined when another holder has it. */
export async function acquireTaskLease(
  redis: Redis,
  task: string,
  owner: string,
  ttlMs: number,
): Promise<TaskLease | undefined> {
  const key = taskLeaseKey(task);
  const token = `${owner}:${randomBytes(8).toString("hex")}`;
  const taken = await redis.set(key, token, "PX", ttlMs, "NX");
  if (taken !== "OK") return undefined;
  return {
    key,
    token,
    renew: async () => (await redis.eval(RENEW_IF_OWNER, 1, key, token, String(ttlMs))) === 1,
    release: async () => (await redis.eval(RELEASE_IF_OWNER, 1, key, token)) === 1,
  };
}
