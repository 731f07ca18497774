// The gateway's composition root and its only file with side effects:
// config → logger → infrastructure → server → listen; the reverse on SIGTERM.
import { createAuthenticator } from "@warden/auth";
import { loadKeyring } from "@warden/crypto";
import { CursorCodec } from "@warden/db";
import { onShutdownSignal, openInfrastructure } from "@warden/lifecycle";
import { createLogger } from "@warden/logger";
import { createMetricsRegistry, startProbeServer } from "@warden/probes";
import { createHealthReporter } from "@warden/rpc";
import { loadGatewayConfig } from "./config.js";
import { createStartOrJoinRevokeJob } from "./handlers/revoke-job-starter.js";
import { buildServer } from "./server.js";

const SERVICE = "jobs-gateway";
const config = loadGatewayConfig();
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
const keyring = loadKeyring(config.WARDEN_ENCRYPTION_KEYS, (message) => logger.warn(message), {
  production: config.NODE_ENV === "production",
});
if (!config.WARDEN_ADMIN_KEY) logger.warn("WARDEN_ADMIN_KEY is not set: AdminService refuses every call");

const infrastructure = await openInfrastructure({ service: SERVICE, config, logger });
const { database, redis, bus } = infrastructure;
const namespace = config.WARDEN_NAMESPACE;
const registry = createMetricsRegistry(SERVICE);
const health = createHealthReporter();

const server = buildServer({
  db: database.db,
  redis,
  keyring,
  cursors: new CursorCodec(keyring.deriveKey("cursors")),
  logger,
  bus,
  namespace,
  startOrJoinRevokeJob: createStartOrJoinRevokeJob({ db: database.db, logger, bus, namespace }),
  registry,
  health,
  corsOrigins: config.WARDEN_CORS_ORIGINS,
  authenticate: createAuthenticator({
    db: database.db,
    adminKey: config.WARDEN_ADMIN_KEY,
    apiKeyCacheMs: 2000,
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
  { name: "close infrastructure", run: () => infrastructure.close() },
  { name: "close probes", run: () => probes.close() },
]);
