import { randomBytes } from "node:crypto";
import { acquireOwnedLock, releaseOwnedLock, renewOwnedLock, type Redis } from "@warden/redis";

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
  if (!(await acquireOwnedLock(redis, key, token, ttlMs))) return undefined;
  return {
    key,
    token,
    renew: () => renewOwnedLock(redis, key, token, ttlMs),
    release: () => releaseOwnedLock(redis, key, token),
  };
}
