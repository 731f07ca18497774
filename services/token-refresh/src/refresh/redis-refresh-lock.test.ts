import { createRedis, waitForRedis, type Redis } from "@warden/redis";
import { testNamespace } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisRefreshLock, keepRefreshLockAlive, refreshLockKey } from "./redis-refresh-lock.js";

let redis: Redis;
const namespace = testNamespace("refresh_lock");

beforeAll(async () => {
  redis = createRedis({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379", namespace });
  await waitForRedis(redis);
});
afterAll(() => {
  redis?.disconnect();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the Redis refresh lock", () => {
  it("admits one owner at a time, and the owner's scripted release finds the key SET NX wrote", async () => {
    const lock = createRedisRefreshLock(redis, 5_000);
    const owner = await lock.tryAcquire("ca_one");
    expect(owner).toBeDefined();
    expect(await lock.tryAcquire("ca_one")).toBeUndefined();
    expect(await redis.get(refreshLockKey("ca_one"))).toBe(owner);
    expect(await lock.release("ca_one", owner!)).toBe(true);
    expect(await lock.tryAcquire("ca_one")).toBeDefined();
  });

  it("never lets a leader whose lock expired renew or release the next leader's lock", async () => {
    const lock = createRedisRefreshLock(redis, 150);
    const stale = (await lock.tryAcquire("ca_two"))!;
    await sleep(300);
    const next = (await lock.tryAcquire("ca_two"))!;
    expect(next).toBeDefined();
    expect(await lock.renew("ca_two", stale)).toBe(false);
    expect(await lock.release("ca_two", stale)).toBe(false);
    expect(await redis.get(refreshLockKey("ca_two"))).toBe(next);
    expect(await lock.renew("ca_two", next)).toBe(true);
  });

  it("keeps a lock alive past its TTL while renewed, and lets it expire once renewal stops", async () => {
    const lock = createRedisRefreshLock(redis, 300);
    const owner = (await lock.tryAcquire("ca_three"))!;
    const lost: string[] = [];
    const stop = keepRefreshLockAlive(lock, "ca_three", owner, (reason) => lost.push(reason));
    await sleep(900);
    expect(await redis.get(refreshLockKey("ca_three"))).toBe(owner);
    stop();
    await sleep(600);
    expect(await redis.get(refreshLockKey("ca_three"))).toBeNull();
    expect(lost).toEqual([]);
  });
});
