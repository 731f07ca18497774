// token-refresh's composition root and its only file with side effects:
// config → logger → infrastructure → server + consumer → listen; the reverse on SIGTERM.
import { createAuthenticator } from "@warden/auth";
import { busNames } from "@warden/bus";
import { loadKeyring } from "@warden/crypto";
import { onShutdownSignal, openInfrastructure } from "@warden/lifecycle";
import { createLogger } from "@warden/logger";
import { startServiceRelay } from "@warden/outbox";
import { createMetricsRegistry, startProbeServer } from "@warden/probes";
import { createHealthReporter } from "@warden/rpc";
import { buildTokenRefreshDeps } from "./build-token-refresh.js";
import { loadTokenRefreshConfig } from "./config.js";
import { runRefreshDueConsumer } from "./consumers/refresh-due-consumer.js";
import { buildServer } from "./server.js";

const SERVICE = "token-refresh";
const config = loadTokenRefreshConfig();
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
const keyring = loadKeyring(config.WARDEN_ENCRYPTION_KEYS, (message) => logger.warn(message));

const infrastructure = await openInfrastructure({
  service: SERVICE,
  config,
  logger,
  maxDbConnections: config.WARDEN_DB_POOL_SIZE,
});
const { database, redis, bus } = infrastructure;
const registry = createMetricsRegistry(SERVICE);
const health = createHealthReporter();
// Publishes the account events the refreshes commit to the outbox (DESIGN §8).
const relay = startServiceRelay({ database, bus, logger, registry });

const deps = buildTokenRefreshDeps({
  settings: config,
  db: database.db,
  redis,
  bus,
  keyring,
  logger,
  registry,
});
const server = buildServer({
  ...deps,
  health,
  registry,
  // Lease tokens are never cached by the authenticator: a checked-in lease stops working at once.
  authenticate: createAuthenticator({
    db: database.db,
    adminKey: undefined,
    acceptLeaseTokens: true,
    apiKeyCacheMs: 2000,
  }),
});
const port = await server.listen(config.WARDEN_TOKENS_PORT);

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
  { name: "drain rpc", run: () => server.close(config.WARDEN_SHUTDOWN_GRACE_MS) },
  { name: "stop cache invalidation", run: () => deps.close() },
  // After the last refresh's commit, so its events go out now rather than from another replica.
  { name: "drain the outbox", run: () => relay.stop(config.WARDEN_SHUTDOWN_GRACE_MS) },
  { name: "close infrastructure", run: () => infrastructure.close() },
  { name: "close probes", run: () => probes.close() },
]);
