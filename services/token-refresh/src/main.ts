// token-refresh's composition root and its only file with side effects:
// config → logger → infrastructure → server + consumer → listen; the reverse on SIGTERM.
import { createAuthenticator, createLastUsedRecorder } from "@warden/auth";
import { busNames } from "@warden/bus";
import { loadKeyring } from "@warden/crypto";
import { createDatabase } from "@warden/db";
import { onShutdownSignal, openInfrastructure } from "@warden/lifecycle";
import { createLogger } from "@warden/logger";
import { startServiceRelay } from "@warden/outbox";
import { createMetricsRegistry, startProbeServer } from "@warden/probes";
import { createAuditLog, createHealthReporter } from "@warden/rpc";
import { startTelemetry } from "@warden/telemetry";
import { buildTokenRefreshDeps } from "./build-token-refresh.js";
import { loadTokenRefreshConfig } from "./config.js";
import { runRefreshDueConsumer } from "./consumers/refresh-due-consumer.js";
import { buildServer } from "./server.js";

const SERVICE = "token-refresh";
// First, so everything after runs with tracing on (when OTEL_* asks for it).
const telemetry = startTelemetry({ service: SERVICE });
// Each answer write is one short statement; a few connections carry hundreds a second.
const ANSWER_POOL_SIZE = 3;
const config = loadTokenRefreshConfig();
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
const keyring = loadKeyring(config.WARDEN_ENCRYPTION_KEYS, (message) => logger.warn(message), {
  production: config.NODE_ENV === "production",
});

const infrastructure = await openInfrastructure({
  service: SERVICE,
  config,
  logger,
  maxDbConnections: config.WARDEN_DB_POOL_SIZE,
});
const { database, redis, bus } = infrastructure;
// Leaders write their answers through connections no read waits for: a rotated
// refresh token exists only in this process until that write commits.
const answerDatabase = createDatabase({
  url: config.DATABASE_URL,
  namespace: config.WARDEN_NAMESPACE,
  maxConnections: ANSWER_POOL_SIZE,
});
const registry = createMetricsRegistry(SERVICE);
const health = createHealthReporter();
// Publishes the account events the refreshes commit to the outbox (DESIGN §8).
const relay = startServiceRelay({ database, bus, logger, registry });

const deps = buildTokenRefreshDeps({
  settings: config,
  db: database.db,
  answerDb: answerDatabase.db,
  redis,
  bus,
  keyring,
  logger,
  registry,
});
const audit = createAuditLog({ db: database.db, logger, registry });
const lastUsed = createLastUsedRecorder({
  db: database.db,
  onError: (error) => logger.warn({ err: error }, "api key last-used write failed; retrying"),
});
const server = buildServer({
  ...deps,
  audit,
  health,
  registry,
  // Lease tokens are never cached by the authenticator: a checked-in lease stops working at once.
  authenticate: createAuthenticator({
    db: database.db,
    adminKey: undefined,
    acceptLeaseTokens: true,
    apiKeyCacheMs: 2000,
    lastUsed,
  }),
});
const port = await server.listen(config.WARDEN_TOKENS_PORT, config.WARDEN_BIND_HOST);

const consumerStop = new AbortController();
const consumer = runRefreshDueConsumer(
  deps,
  {
    bus,
    names: busNames(config.WARDEN_NAMESPACE),
    aheadWindowSeconds: config.WARDEN_REFRESH_AHEAD_WINDOW_S,
    concurrency: config.WARDEN_REFRESH_DUE_CONCURRENCY,
  },
  consumerStop.signal,
).catch((error: unknown) => logger.error({ err: error }, "refresh-due consumer stopped"));

const probes = await startProbeServer({
  port: config.WARDEN_PROBE_PORT,
  host: config.WARDEN_BIND_HOST,
  registry,
  checks: infrastructure.checks,
  logger,
});
health.setStatus("", true);
health.setStatus("warden.tokens.v1.TokensService", true);
logger.info({ port, probePort: probes.port, namespace: config.WARDEN_NAMESPACE }, "token-refresh listening");

onShutdownSignal(logger, () => [
  { name: "mark unready", run: () => probes.setShuttingDown() },
  {
    name: "stop refresh-due consumer",
    run: async () => {
      consumerStop.abort();
      await consumer;
    },
  },
  {
    // A leader killed between the provider's answer and its write loses a
    // rotated refresh token (the account ends rotation_lost), so no pool may
    // close under one: new provider calls are refused (callers retry on another
    // replica) while every call in flight finishes and its answer is written.
    // The wait is bounded by the provider deadline; past it, the process exits
    // and the next leader finds the attempt recorded.
    name: "drain rpc and write in-flight refresh answers",
    run: async () => {
      const [unwritten] = await Promise.all([
        deps.coordinator.drain(config.WARDEN_PROVIDER_TIMEOUT_MS + config.WARDEN_SHUTDOWN_GRACE_MS),
        server.close(config.WARDEN_SHUTDOWN_GRACE_MS),
      ]);
      if (unwritten > 0) logger.error({ unwritten }, "exiting with refresh answers not yet written");
    },
  },
  { name: "flush audit log", run: () => audit.close() },
  { name: "flush api key last use", run: () => lastUsed.close() },
  { name: "stop cache invalidation", run: () => deps.close() },
  // After the last refresh's commit, so its events go out now rather than from another replica.
  { name: "drain the outbox", run: () => relay.stop(config.WARDEN_SHUTDOWN_GRACE_MS) },
  { name: "close answer pool", run: () => answerDatabase.close() },
  { name: "close infrastructure", run: () => infrastructure.close() },
  { name: "close probes", run: () => probes.close() },
  { name: "flush traces", run: () => telemetry.shutdown() },
]);
