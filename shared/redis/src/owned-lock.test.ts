import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedis, waitForRedis } from "./create-redis.js";
import { acquireOwnedLock, releaseOwnedLock, renewOwnedLock } from "./owned-lock.js";

const redis = createRedis({
  url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  namespace: `olt_${randomBytes(4).toString("hex")}`,
});

beforeAll(async () => {
  await waitForRedis(redis);
});

afterAll(async () => {
  await redis.del("lock");
  redis.disconnect();
});

describe("owned locks", () => {
  it("one holder at a time; only the holder renews or releases", async () => {
    expect(await acquireOwnedLock(redis, "lock", "a", 10_000)).toBe(true);
    expect(await acquireOwnedLock(redis, "lock", "b", 10_000)).toBe(false);
    expect(await renewOwnedLock(redis, "lock", "b", 10_000)).toBe(false);
    expect(await releaseOwnedLock(redis, "lock", "b")).toBe(false);
    expect(await redis.get("lock")).toBe("a");
    expect(await renewOwnedLock(redis, "lock", "a", 20_000)).toBe(true);
    expect(await redis.pttl("lock")).toBeGreaterThan(10_000);
    expect(await releaseOwnedLock(redis, "lock", "a")).toBe(true);
    expect(await redis.get("lock")).toBeNull();
  });

  it("a holder whose lock expired and was taken over cannot renew or delete the new holder's lock", async () => {
    expect(await acquireOwnedLock(redis, "lock", "old", 50)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await acquireOwnedLock(redis, "lock", "new", 10_000)).toBe(true);
    expect(await renewOwnedLock(redis, "lock", "old", 10_000)).toBe(false);
    expect(await releaseOwnedLock(redis, "lock", "old")).toBe(false);
    expect(await redis.get("lock")).toBe("new");
    await releaseOwnedLock(redis, "lock", "new");
  });
});
