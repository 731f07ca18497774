// Test support (not a test): a namespace on real PostgreSQL, Redis and NATS
// (the shared servers or private ones), and in-process executors on it whose
// log lines are captured so tests can assert that no secret was ever logged.
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { connectBus, ensureStreams, silentBusLogger, type Bus } from "@warden/bus";
import { Keyring } from "@warden/crypto";
import { createDatabase, dropNamespaceSchema, migrateToLatest, type DatabaseHandle } from "@warden/db";
import { createLogger } from "@warden/logger";
import { startServiceRelay } from "@warden/outbox";
import { createRedis, waitForRedis, type Redis } from "@warden/redis";
import { fileURLToPath } from "node:url";
import type { Registry } from "prom-client";
import { freePort, startServiceProcess, testNamespace, type ServiceProcess } from "@warden/testkit";
import {
  DEFAULT_EXECUTOR_SETTINGS,
  startRevokeExecutor,
  type ExecutorSettings,
  type RevokeExecutor,
} from "./revoke-executor.js";

export interface TestStack {
  namespace: string;
  urls: { database: string; redis: string; nats: string };
  database: DatabaseHandle;
  redis: Redis;
  bus: Bus;
  keyring: Keyring;
  /** The keyring as WARDEN_ENCRYPTION_KEYS, for child processes. */
  encryptionKeys: string;
  close(): Promise<void>;
}

/** Opens a fresh namespace (schema migrated, streams provisioned, an outbox relay running) for one test file. */
export async function openTestStack(
  label: string,
  urls: Partial<TestStack["urls"]> = {},
  options: { relay?: boolean } = {},
): Promise<TestStack> {
  const namespace = testNamespace(label);
  const resolved = {
    database: urls.database ?? process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
    redis: urls.redis ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    nats: urls.nats ?? process.env.NATS_URL ?? "nats://127.0.0.1:4222",
  };
  const database = createDatabase({ url: resolved.database, namespace, maxConnections: 16 });
  await migrateToLatest(database.db, namespace);
  const redis = createRedis({ url: resolved.redis, namespace });
  await waitForRedis(redis);
  const bus = await connectBus({
    servers: resolved.nats.split(","),
    name: `${namespace}:test`,
    reconnectTimeWaitMs: 250,
  });
  await ensureStreams(bus.jsm, namespace);
  // Executors write events to the outbox; main.ts runs a relay, and so does a test stack
  // (unless the test proves that the executor processes' own relays deliver).
  const relay =
    options.relay === false ? undefined : startServiceRelay({ database, bus, logger: silentBusLogger });
  const key = randomBytes(32);
  return {
    namespace,
    urls: resolved,
    database,
    redis,
    bus,
    keyring: new Keyring([{ id: "test", key }]),
    encryptionKeys: `test:${key.toString("base64")}`,
    async close() {
      await relay?.stop(1_000);
      await bus.close();
      await dropNamespaceSchema(database.db, namespace).catch(() => undefined);
      await database.close();
      redis.disconnect();
    },
  };
}

export interface TestExecutor {
  executor: RevokeExecutor;
  logLines: string[];
  stop(): Promise<void>;
}

/** Starts an executor in this process on the stack's connections (or on `bus`, e.g. a private NATS). */
export async function startTestExecutor(
  stack: TestStack,
  settings: Partial<ExecutorSettings> = {},
  overrides: { bus?: Bus; database?: DatabaseHandle; registry?: Registry } = {},
): Promise<TestExecutor> {
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ service: "revoke-executor", level: "debug", destination });
  const executor = await startRevokeExecutor({
    db: (overrides.database ?? stack.database).db,
    redis: stack.redis,
    bus: overrides.bus ?? stack.bus,
    namespace: stack.namespace,
    keyring: stack.keyring,
    logger,
    instanceId: `test-${randomBytes(3).toString("hex")}`,
    settings: { ...DEFAULT_EXECUTOR_SETTINGS, ...settings },
    ...(overrides.registry === undefined ? {} : { registry: overrides.registry }),
  });
  return { executor, logLines, stop: () => executor.stop() };
}

/**
 * Starts the executor as it runs in production, a child process on `main.ts`,
 * on the stack's namespace; resolves once it reports ready (and kills it if it never does).
 */
export async function startExecutorProcess(
  stack: TestStack,
  options: { name: string; env?: Record<string, string>; logLevel?: string },
): Promise<ServiceProcess> {
  const probePort = await freePort();
  const child = startServiceProcess({
    entry: fileURLToPath(new URL("./main.ts", import.meta.url)),
    name: options.name,
    env: {
      WARDEN_NAMESPACE: stack.namespace,
      DATABASE_URL: stack.urls.database,
      REDIS_URL: stack.urls.redis,
      NATS_URL: stack.urls.nats,
      WARDEN_ENCRYPTION_KEYS: stack.encryptionKeys,
      WARDEN_PROBE_PORT: String(probePort),
      LOG_LEVEL: options.logLevel ?? "debug",
      ...options.env,
    },
  });
  try {
    await child.waitForReady(`http://127.0.0.1:${probePort}/readyz`, 60_000);
  } catch (error) {
    child.kill();
    throw error;
  }
  return child;
}
