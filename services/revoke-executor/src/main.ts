// The revoke executor's composition root and its only file with side effects:
// config → logger → infrastructure → executor → probes; the reverse on SIGTERM.
import { hostname } from "node:os";
import { loadKeyring } from "@warden/crypto";
import { onShutdownSignal, openInfrastructure } from "@warden/lifecycle";
import { createLogger } from "@warden/logger";
import { startServiceRelay } from "@warden/outbox";
import { createMetricsRegistry, startProbeServer } from "@warden/probes";
import { startTelemetry } from "@warden/telemetry";
import { executorSettingsOf, loadExecutorConfig } from "./config.js";
import { DEFAULT_EXECUTOR_SETTINGS, startRevokeExecutor } from "./revoke-executor.js";

const SERVICE = "revoke-executor";
// First, so everything after runs with tracing on (when OTEL_* asks for it).
// No active context: the executor hands trace context on by hand (see StartTelemetryOptions).
const telemetry = startTelemetry({ service: SERVICE, activeContext: false });
const config = loadExecutorConfig();
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
const registry = createMetricsRegistry(SERVICE);
// Publishes the events the ledger writes commit to the outbox (DESIGN §8).
const relay = startServiceRelay({
  database: infrastructure.database,
  bus: infrastructure.bus,
  logger,
  registry,
});
const executor = await startRevokeExecutor({
  db: infrastructure.database.db,
  redis: infrastructure.redis,
  bus: infrastructure.bus,
  namespace: config.WARDEN_NAMESPACE,
  keyring,
  logger,
  instanceId: config.WARDEN_INSTANCE_ID ?? `${hostname()}-${process.pid}`,
  settings: executorSettingsOf(config, DEFAULT_EXECUTOR_SETTINGS),
  registry,
});
const probes = await startProbeServer({
  port: config.WARDEN_PROBE_PORT,
  host: config.WARDEN_BIND_HOST,
  registry,
  checks: infrastructure.checks,
  logger,
});
logger.info({ probePort: probes.port, namespace: config.WARDEN_NAMESPACE }, "revoke-executor running");

onShutdownSignal(logger, () => [
  { name: "mark unready", run: () => probes.setShuttingDown() },
  {
    // Past the grace period, whatever is still in flight is left unacked: JetStream redelivers it.
    name: "finish in-flight work",
    run: () =>
      Promise.race([
        executor.stop(),
        new Promise<void>((resolve) => setTimeout(resolve, config.WARDEN_SHUTDOWN_GRACE_MS).unref()),
      ]),
  },
  // After the last ledger write, so the events it committed go out now rather than from another replica.
  { name: "drain the outbox", run: () => relay.stop(config.WARDEN_SHUTDOWN_GRACE_MS) },
  { name: "close infrastructure", run: () => infrastructure.close() },
  { name: "close probes", run: () => probes.close() },
  { name: "flush traces", run: () => telemetry.shutdown() },
]);
