import { connectBus, ensureStreams, type Bus } from "@warden/bus";
import { createDatabase, migrateToLatest, type DatabaseHandle } from "@warden/db";
import type { Logger } from "@warden/logger";
import { checkRedisReady, createRedis, type Redis } from "@warden/redis";

export interface InfrastructureConfig {
  DATABASE_URL: string;
  REDIS_URL: string;
  NATS_URL: string[];
  WARDEN_NAMESPACE: string;
  WARDEN_STREAM_REPLICAS: number;
}

export interface Infrastructure {
  database: DatabaseHandle;
  redis: Redis;
  bus: Bus;
  /** Readiness checks of the real dependencies, for /readyz. */
  checks: Record<"postgres" | "redis" | "nats", () => Promise<void>>;
  /** Drains NATS, then closes Redis and the pool (reverse of opening). */
  close(): Promise<void>;
}

const MIGRATE_ATTEMPTS = 5;

// Replicas booting together, or a database still starting, can make one
// migration attempt fail; the advisory lock makes a retry safe.
async function migrateWithRetry(
  db: DatabaseHandle["db"],
  namespace: string,
  logger: Logger,
): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateToLatest(db, namespace);
    } catch (error) {
      if (attempt >= MIGRATE_ATTEMPTS) throw error;
      logger.warn({ attempt, err: { message: (error as Error).message } }, "migration failed; retrying");
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
    }
  }
}

/**
 * Opens PostgreSQL (and applies the namespace's schema), Redis and NATS
 * (and provisions the namespace's streams) for one service. Fails loud if a
 * dependency is unreachable at boot; afterwards each client reconnects on its own.
 */
export async function openInfrastructure(options: {
  service: string;
  config: InfrastructureConfig;
  logger: Logger;
  maxDbConnections?: number;
}): Promise<Infrastructure> {
  const { config, logger, service } = options;
  const namespace = config.WARDEN_NAMESPACE;
  const database = createDatabase({
    url: config.DATABASE_URL,
    namespace,
    maxConnections: options.maxDbConnections,
    onPoolError: (error) =>
      logger.warn({ err: { message: error.message } }, "idle postgres connection failed"),
  });
  const applied = await migrateWithRetry(database.db, namespace, logger);
  if (applied.length > 0) logger.info({ applied }, "applied migrations");

  let lastRedisError = "";
  const redis = createRedis({
    url: config.REDIS_URL,
    namespace,
    onError: (error) => {
      // ioredis repeats the same error on every reconnect attempt; log changes only.
      if (error.message !== lastRedisError) logger.warn({ err: { message: error.message } }, "redis error");
      lastRedisError = error.message;
    },
  });
  redis.on("ready", () => {
    lastRedisError = "";
  });

  const bus = await connectBus({ servers: config.NATS_URL, name: `${namespace}:${service}`, logger });
  await ensureStreams(bus.jsm, namespace, { replicas: config.WARDEN_STREAM_REPLICAS });

  return {
    database,
    redis,
    bus,
    checks: {
      postgres: () => database.checkReady(),
      redis: () => checkRedisReady(redis),
      nats: () => bus.checkReady(),
    },
    async close() {
      await bus.close().catch((error: unknown) => logger.warn({ err: error }, "nats drain failed"));
      redis.disconnect();
      await database.close();
    },
  };
}
