import { hostname } from "node:os";
import type { Bus } from "@warden/bus";
import { busNames } from "@warden/bus";
import type { Keyring } from "@warden/crypto";
import type { Database } from "@warden/db";
import type { Logger } from "@warden/logger";
import type { Redis } from "@warden/redis";
import type { Kysely } from "kysely";
import type { Registry } from "prom-client";
import type { TokenRefreshConfig } from "./config.js";
import type { RefreshHooks } from "./refresh/refresh-as-leader.js";
import { createCoalescedAccountReader } from "./repositories/coalesced-account-reader.js";
import { createRefreshCoordinator } from "./refresh/refresh-coordinator.js";
import { createRefreshEvents } from "./refresh/refresh-events.js";
import { createRefreshMetrics } from "./refresh/refresh-metrics.js";
import { createRedisRefreshLock } from "./refresh/redis-refresh-lock.js";
import { createTokenRowCache, invalidateOnAccountEvents } from "./refresh/token-row-cache.js";
import type { TokenRefreshDeps } from "./token-refresh-deps.js";

/** The settings wiring needs; a subset of the service config so tests can pass literals. */
export type TokenRefreshSettings = Pick<
  TokenRefreshConfig,
  | "WARDEN_NAMESPACE"
  | "WARDEN_PROVIDER_TIMEOUT_MS"
  | "WARDEN_REFRESH_LOCK_TTL_MS"
  | "WARDEN_REFRESH_WAIT_MS"
  | "WARDEN_ACCOUNT_FAILURE_TTL_MS"
  | "WARDEN_APP_FAILURE_TTL_MS"
  | "WARDEN_UNKNOWN_EXPIRY_LIFETIME_S"
  | "WARDEN_TOKEN_CACHE_MS"
  | "WARDEN_DB_POOL_SIZE"
>;

/** Wires the coordinator, events, lock, cache and metrics over already-open connections; opens nothing itself. */
export function buildTokenRefreshDeps(options: {
  settings: TokenRefreshSettings;
  db: Kysely<Database>;
  /** A pool of its own for leaders' answer writes; default `db`. */
  answerDb?: Kysely<Database>;
  redis: Redis;
  bus: Bus;
  keyring: Keyring;
  logger: Logger;
  registry?: Registry;
  hooks?: RefreshHooks;
}): TokenRefreshDeps & { close(): void } {
  const { settings, db, redis, bus, keyring, logger } = options;
  const names = busNames(settings.WARDEN_NAMESPACE);
  const metrics = createRefreshMetrics(options.registry);
  const cache = createTokenRowCache(settings.WARDEN_TOKEN_CACHE_MS);
  const invalidation =
    settings.WARDEN_TOKEN_CACHE_MS > 0 ? invalidateOnAccountEvents(bus, names, cache) : undefined;
  const coordinator = createRefreshCoordinator({
    db,
    redis,
    keyring,
    logger,
    metrics,
    replica: `${hostname()}:${process.pid}`,
    answerDb: options.answerDb ?? db,
    answerWriteRetryMs: settings.WARDEN_REFRESH_LOCK_TTL_MS,
    lock: createRedisRefreshLock(redis, settings.WARDEN_REFRESH_LOCK_TTL_MS),
    events: createRefreshEvents(bus, names, logger, db),
    namespace: settings.WARDEN_NAMESPACE,
    providerTimeoutMs: settings.WARDEN_PROVIDER_TIMEOUT_MS,
    accountFailureTtlMs: settings.WARDEN_ACCOUNT_FAILURE_TTL_MS,
    appFailureTtlMs: settings.WARDEN_APP_FAILURE_TTL_MS,
    followerWaitMs: settings.WARDEN_REFRESH_WAIT_MS,
    advisoryConcurrency: Math.max(1, Math.floor(settings.WARDEN_DB_POOL_SIZE / 2)),
    now: () => new Date(),
    onRefreshed: (account) => cache.set(account),
    ...(options.hooks ? { hooks: options.hooks } : {}),
  });
  return {
    db,
    readAccount: createCoalescedAccountReader(db),
    keyring,
    logger,
    metrics,
    coordinator,
    cache,
    unknownExpiryLifetimeS: settings.WARDEN_UNKNOWN_EXPIRY_LIFETIME_S,
    close: () => invalidation?.unsubscribe(),
  };
}
