// Test support (not a test): the real PostgreSQL, Redis and NATS in a
// namespace of this test file's own, plus a logger whose lines are kept.
import { Writable } from "node:stream";
import { connectBus, ensureStreams, type Bus } from "@warden/bus";
import { createDatabase, dropNamespaceSchema, migrateToLatest, type DatabaseHandle } from "@warden/db";
import { createLogger, type Logger } from "@warden/logger";
import { startServiceRelay } from "@warden/outbox";
import { createRedis, waitForRedis, type Redis } from "@warden/redis";
import { testNamespace } from "@warden/testkit";

export interface TestInfrastructure {
  namespace: string;
  database: DatabaseHandle;
  redis: Redis;
  bus: Bus;
  logger: Logger;
  logLines: string[];
  env: Record<string, string>;
  close(): Promise<void>;
}

export const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

/** Opens the three real dependencies in a fresh namespace; close() drops the schema. */
export async function openTestInfrastructure(label: string): Promise<TestInfrastructure> {
  const namespace = testNamespace(label);
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ service: "sweeper", level: "debug", destination });
  const database = createDatabase({ url: DATABASE_URL, namespace });
  await migrateToLatest(database.db, namespace);
  const redis = createRedis({ url: REDIS_URL, namespace });
  await waitForRedis(redis);
  const bus = await connectBus({ servers: NATS_URL.split(","), name: `${namespace}:test` });
  await ensureStreams(bus.jsm, namespace);
  // As in main.ts: the tasks' events reach NATS through the outbox relay.
  const relay = startServiceRelay({ database, bus, logger });
  return {
    namespace,
    database,
    redis,
    bus,
    logger,
    logLines,
    env: { WARDEN_NAMESPACE: namespace, DATABASE_URL, REDIS_URL, NATS_URL },
    async close() {
      await relay.stop(1_000);
      await bus.close();
      redis.disconnect();
      await dropNamespaceSchema(database.db, namespace);
      await database.close();
    },
  };
}
