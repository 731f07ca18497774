import { createLogger } from "@warden/logger";
import { createRedis, EXECUTOR_REDELIVERED_KEY, executorHeartbeatKey, type Redis } from "@warden/redis";
import { testNamespace, waitFor } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHeartbeat } from "./heartbeat.js";

let redis: Redis;

beforeAll(() => {
  redis = createRedis({
    url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    namespace: testNamespace("heartbeat"),
  });
});

afterAll(async () => {
  await redis.del(EXECUTOR_REDELIVERED_KEY);
  redis.disconnect();
});

describe("startHeartbeat", () => {
  it("keeps redelivered a running total across heartbeats and replicas, and counts the last ones on stop", async () => {
    const logger = createLogger({ service: "test", level: "silent" });
    const counts = { a: 0, b: 0 };
    let snapshots = 0;
    const beat = (instance: "a" | "b") =>
      startHeartbeat({
        redis,
        instance,
        intervalMs: 20,
        logger,
        snapshot: () => {
          snapshots++;
          return { inFlight: 0, redelivered: counts[instance], authConfigs: {} };
        },
      });
    const a = beat("a");
    const b = beat("b");
    const total = async () => Number((await redis.get(EXECUTOR_REDELIVERED_KEY)) ?? 0);

    counts.a = 3;
    counts.b = 2;
    await waitFor(async () => (await total()) === 5, { message: "the first redeliveries to be counted" });
    // Several more beats with nothing new must not change (or reset) the total.
    const before = snapshots;
    await waitFor(() => snapshots >= before + 6, { message: "three more beats of each replica" });
    expect(await total()).toBe(5);
    const seen = JSON.parse((await redis.get(executorHeartbeatKey("a")))!) as { redelivered: number };
    expect(seen.redelivered).toBe(3);
    counts.a = 7;
    await waitFor(async () => (await total()) === 9, { message: "the later redeliveries to be added" });
    await b.stop();
    counts.a = 8;
    await a.stop();
    expect(await total()).toBe(10);
    expect(await redis.exists(executorHeartbeatKey("a"), executorHeartbeatKey("b"))).toBe(0);
  });
});
