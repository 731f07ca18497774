// Test support (not a test): token-refresh in-process on a free port, on the
// real PostgreSQL, Redis and NATS, in a namespace of its own, with its log
// lines captured so tests can assert that no secret was ever logged.
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createAuthenticator } from "@warden/auth";
import { connectBus, ensureStreams, type Bus } from "@warden/bus";
import { Keyring } from "@warden/crypto";
import { createDatabase, dropNamespaceSchema, migrateToLatest, type DatabaseHandle } from "@warden/db";
import { createLogger, type Logger } from "@warden/logger";
import { startServiceRelay } from "@warden/outbox";
import { TokensService } from "@warden/proto/tokens/v1";
import { createRedis, waitForRedis, type Redis } from "@warden/redis";
import { createHealthReporter } from "@warden/rpc";
import { testNamespace } from "@warden/testkit";
import { buildTokenRefreshDeps, type TokenRefreshSettings } from "./build-token-refresh.js";
import type { RefreshHooks } from "./refresh/refresh-as-leader.js";
import { buildServer } from "./server.js";
import type { TokenRefreshDeps } from "./token-refresh-deps.js";

/** Settings tests start from: the production defaults with short waits. */
export function testSettings(
  namespace: string,
  overrides: Partial<TokenRefreshSettings> = {},
): TokenRefreshSettings {
  return {
    WARDEN_NAMESPACE: namespace,
    WARDEN_PROVIDER_TIMEOUT_MS: 5_000,
    WARDEN_REFRESH_LOCK_TTL_MS: 8_000,
    WARDEN_REFRESH_WAIT_MS: 10_000,
    WARDEN_ACCOUNT_FAILURE_TTL_MS: 3_600_000,
    WARDEN_APP_FAILURE_TTL_MS: 300_000,
    WARDEN_UNKNOWN_EXPIRY_LIFETIME_S: 3_600,
    WARDEN_TOKEN_CACHE_MS: 1_000,
    WARDEN_DB_POOL_SIZE: 10,
    ...overrides,
  };
}

/** Connections of one test file: a namespace with its schema, streams, Redis and NATS. */
export interface TestInfrastructure {
  namespace: string;
  database: DatabaseHandle;
  redis: Redis;
  bus: Bus;
  keyring: Keyring;
  /** WARDEN_ENCRYPTION_KEYS spelling of `keyring`, for child processes. */
  encryptionKeys: string;
  logLines: string[];
  logger: Logger;
  close(): Promise<void>;
}

/** Opens (and migrates) a fresh namespace; close() drops its schema. */
export async function openTestInfrastructure(label: string): Promise<TestInfrastructure> {
  const namespace = testNamespace(label);
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ service: "token-refresh", level: "debug", destination });
  const database = createDatabase({
    url: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
    namespace,
    maxConnections: 10,
  });
  await migrateToLatest(database.db, namespace);
  const redis = createRedis({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379", namespace });
  await waitForRedis(redis);
  const bus = await connectBus({
    servers: (process.env.NATS_URL ?? "nats://127.0.0.1:4222").split(","),
    name: namespace,
  });
  await ensureStreams(bus.jsm, namespace);
  // As in main.ts: account events reach NATS through the outbox relay.
  const relay = startServiceRelay({ database, bus, logger });
  const key = randomBytes(32);
  return {
    namespace,
    database,
    redis,
    bus,
    keyring: new Keyring([{ id: "test", key }]),
    encryptionKeys: `test:${key.toString("base64")}`,
    logLines,
    logger,
    async close() {
      await relay.stop(1_000);
      await bus.close();
      redis.disconnect();
      await dropNamespaceSchema(database.db, namespace);
      await database.close();
    },
  };
}

/** A token-refresh server in this process. */
export interface TestTokenRefresh {
  url: string;
  deps: TokenRefreshDeps;
  close(): Promise<void>;
}

/** Starts the RPC server over `infra` (several may share one infra, like replicas). */
export async function startTestTokenRefresh(
  infra: TestInfrastructure,
  options: { settings?: Partial<TokenRefreshSettings>; hooks?: RefreshHooks; redis?: Redis } = {},
): Promise<TestTokenRefresh> {
  const deps = buildTokenRefreshDeps({
    settings: testSettings(infra.namespace, options.settings),
    db: infra.database.db,
    redis: options.redis ?? infra.redis,
    bus: infra.bus,
    keyring: infra.keyring,
    logger: infra.logger,
    ...(options.hooks ? { hooks: options.hooks } : {}),
  });
  const server = buildServer({
    ...deps,
    health: createHealthReporter(),
    // A long API-key cache on purpose: the lease tests then prove lease tokens are never cached.
    authenticate: createAuthenticator({
      db: infra.database.db,
      adminKey: undefined,
      acceptLeaseTokens: true,
      apiKeyCacheMs: 60_000,
    }),
  });
  const port = await server.listen(0, "127.0.0.1");
  return {
    url: `http://127.0.0.1:${port}`,
    deps,
    async close() {
      await server.close(1000);
      deps.close();
    },
  };
}

/** A gRPC (HTTP/2) TokensService client sending `credential` as the bearer. */
export function tokensClient(baseUrl: string, credential: string): Client<typeof TokensService> {
  const auth: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${credential}`);
    return next(req);
  };
  return createClient(TokensService, createGrpcTransport({ baseUrl, interceptors: [auth] }));
}
