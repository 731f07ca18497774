import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkRedisReady, createRedis, waitForRedis } from "./create-redis.js";

const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const namespace = `rt_${randomBytes(4).toString("hex")}`;
const client = createRedis({ url, namespace });
const raw = new Redis(url);

beforeAll(async () => {
  await waitForRedis(client);
});

afterAll(async () => {
  await client.del("k");
  client.disconnect();
  raw.disconnect();
});

describe("createRedis", () => {
  it("prefixes every key with the namespace", async () => {
    await client.set("k", "v");
    expect(await raw.get(`${namespace}:k`)).toBe("v");
    expect(await raw.get("k")).toBeNull();
    const viaPrefix = createRedis({ url, namespace: namespace });
    await waitForRedis(viaPrefix);
    expect(await viaPrefix.get("k")).toBe("v");
    viaPrefix.disconnect();
  });

  it("is ready when Redis answers", async () => {
    await client.ping();
    await expect(checkRedisReady(client)).resolves.toBeUndefined();
  });

  it("fails commands at once when Redis is unreachable instead of hanging", async () => {
    const dead = createRedis({ url: "redis://127.0.0.1:1", namespace, connectTimeoutMs: 200 });
    const started = Date.now();
    await expect(dead.get("k")).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5000);
    await expect(checkRedisReady(dead)).rejects.toThrow();
    dead.disconnect();
  });
});
