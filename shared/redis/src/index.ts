export type { RedisOptions } from "./create-redis.js";
export { createRedis, checkRedisReady, waitForRedis } from "./create-redis.js";
export type { Redis } from "ioredis";
export { accountRefreshFailureKey, authConfigRefreshFailureKey } from "./shared-keys.js";
