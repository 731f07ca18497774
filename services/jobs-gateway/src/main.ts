// The gateway's composition root and its only file with side effects:
// config → logger → infrastructure → server → listen; the reverse on SIGTERM.
import { createAuthenticator, createLastUsedRecorder } from "@warden/auth";
import { loadKeyring } from "@warden/crypto";
import { CursorCodec } from "@warden/db";
import { onShutdownSignal, openInfrastructure } from "@warden/lifecycle";
import { createLogger } from "@warden/logger";
import { startServiceRelay } from "@warden/outbox";
import { createMetricsRegistry, startProbeServer } from "@warden/probes";
import { createAuditLog, createHealthReporter } from "@warden/rpc";
import { startTelemetry } from "@warden/telemetry";
import { loadGatewayConfig, publicUrlOf, sweeperUrlOf } from "./config.js";
import { createStartOrJoinRevokeJob } from "./handlers/revoke-job-starter.js";
import { buildServer } from "./server.js";

const SERVICE = "jobs-gateway";
// First, so everything after runs with tracing on (when OTEL_* asks for it).
const telemetry = startTelemetry({ service: SERVICE });
const config = loadGatewayConfig();
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
const keyring = loadKeyring(config.WARDEN_ENCRYPTION_KEYS, (message) => logger.warn(message), {
  production: config.NODE_ENV === "production",
});
if (!config.WARDEN_ADMIN_KEY) logger.warn("WARDEN_ADMIN_KEY is not set: AdminService refuses every call");

const infrastructure = await openInfrastructure({
  service: SERVICE,
  config,
  logger,
  maxDbConnections: config.WARDEN_DB_POOL_SIZE,
});
const { database, redis, bus } = infrastructure;
const namespace = config.WARDEN_NAMESPACE;
const registry = createMetricsRegistry(SERVICE);
const health = createHealthReporter();
// Publishes the job and lease events the RPCs commit to the outbox (DESIGN §8).
const relay = startServiceRelay({ database, bus, logger, registry });
const audit = createAuditLog({ db: database.db, logger, registry });
const lastUsed = createLastUsedRecorder({
  db: database.db,
  onError: (error) => logger.warn({ err: error }, "api key last-used write failed; retrying"),
});

const server = buildServer({
  db: database.db,
  redis,
  keyring,
  cursors: new CursorCodec(keyring.deriveKey("cursors")),
  logger,
  bus,
  namespace,
  publicUrl: publicUrlOf(config),
  sweeperUrl: sweeperUrlOf(config),
  startOrJoinRevokeJob: createStartOrJoinRevokeJob({ db: database.db, logger, bus, namespace }),
  registry,
  health,
  corsOrigins: config.WARDEN_CORS_ORIGINS,
  audit,
  authenticate: createAuthenticator({
    db: database.db,
    adminKey: config.WARDEN_ADMIN_KEY,
    apiKeyCacheMs: 2000,
    lastUsed,
  }),
});
const port = await server.listen(config.WARDEN_GATEWAY_PORT, config.WARDEN_BIND_HOST);
const probes = await startProbeServer({
  port: config.WARDEN_PROBE_PORT,
  host: config.WARDEN_BIND_HOST,
  registry,
  checks: infrastructure.checks,
  logger,
});
health.setStatus("", true);
logger.info({ port, probePort: probes.port, namespace: config.WARDEN_NAMESPACE }, "jobs-gateway listening");

onShutdownSignal(logger, () => [
  { name: "mark unready", run: () => probes.setShuttingDown() },
  { name: "drain rpc", run: () => server.close(config.WARDEN_SHUTDOWN_GRACE_MS) },
  // After the last RPC's commit, so its events go out now rather than from another replica.
  { name: "drain the outbox", run: () => relay.stop(config.WARDEN_SHUTDOWN_GRACE_MS) },
  { name: "flush audit log", run: () => audit.close() },
  { name: "flush api key last use", run: () => lastUsed.close() },
  { name: "close infrastructure", run: () => infrastructure.close() },
  { name: "close probes", run: () => probes.close() },
  { name: "flush traces", run: () => telemetry.shutdown() },
]);
