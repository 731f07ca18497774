export type { RedisOptions } from "./create-redis.js";
export { createRedis, checkRedisReady, waitForRedis } from "./create-redis.js";
export type { Redis } from "ioredis";
export {
  accountRefreshFailureKey,
  authConfigRefreshFailureKey,
  executorHeartbeatKey,
  EXECUTOR_HEARTBEAT_PATTERN,
  EXECUTOR_REDELIVERED_KEY,
  revokeBreakerFailuresKey,
  revokeBreakerOpenKey,
} from "./shared-keys.js";
export { acquireOwnedLock, renewOwnedLock, releaseOwnedLock } from "./owned-lock.js";
