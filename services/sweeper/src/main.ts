// The sweeper's composition root and its only file with side effects:
// config → logger → infrastructure → scheduler, event router, server → listen;
// the reverse on SIGTERM.
import { hostname } from "node:os";
import { createAuthenticator, createLastUsedRecorder } from "@warden/auth";
import { busNames } from "@warden/bus";
import { onShutdownSignal, openInfrastructure } from "@warden/lifecycle";
import { createLogger } from "@warden/logger";
import { loadKeyring } from "@warden/crypto";
import { startServiceRelay } from "@warden/outbox";
import { createMetricsRegistry, startProbeServer } from "@warden/probes";
import { waitForRedis } from "@warden/redis";
import { createAuditLog, createHealthReporter } from "@warden/rpc";
import { startTelemetry } from "@warden/telemetry";
import { loadSweeperConfig } from "./config.js";
import { buildNotifier } from "./notifications/build-notifier.js";
import { runEventRouter } from "./notifications/event-router.js";
import { createNotificationDispatcher } from "./notifications/notification-dispatcher.js";
import { startNotificationDelivery } from "./notifications/notification-outbox-delivery.js";
import { DEFAULT_RETRY_POLICY } from "./retry-policy.js";
import { createScheduler } from "./scheduler/scheduler.js";
import { registerTaskLagMetric } from "./scheduler/task-lag-metric.js";
import { createTaskMetrics } from "./scheduler/task-metrics.js";
import { buildAllTasks } from "./tasks/build-tasks.js";
import { buildServer } from "./server.js";

const SERVICE = "sweeper";
// First, so everything after runs with tracing on (when OTEL_* asks for it).
const telemetry = startTelemetry({ service: SERVICE });
const config = loadSweeperConfig();
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
if (!config.WARDEN_ADMIN_KEY) logger.warn("WARDEN_ADMIN_KEY is not set: SweeperService refuses every call");
const instanceId = config.WARDEN_SWEEPER_INSTANCE_ID ?? `${hostname()}-${process.pid}`;

const infrastructure = await openInfrastructure({
  service: SERVICE,
  config,
  logger,
  maxDbConnections: config.WARDEN_DB_POOL_SIZE,
});
const { database, redis, bus } = infrastructure;
// Leases live in Redis: the first slot attempts must not race the connection.
await waitForRedis(redis, 30_000);
const registry = createMetricsRegistry(SERVICE);
registerTaskLagMetric(registry, database.db);
const health = createHealthReporter();
// Publishes the events the tasks commit to the outbox (DESIGN §8).
const relay = startServiceRelay({ database, bus, logger, registry });
const retryPolicy = {
  ...DEFAULT_RETRY_POLICY,
  initialMs: config.WARDEN_RETRY_INITIAL_MS,
  maxMs: config.WARDEN_RETRY_MAX_MS,
};

const notifier = buildNotifier(
  {
    webhookUrls: config.WARDEN_NOTIFY_WEBHOOK_URLS,
    ...(config.WARDEN_NOTIFY_WEBHOOK_SECRET ? { webhookSecret: config.WARDEN_NOTIFY_WEBHOOK_SECRET } : {}),
    slackUrls: config.WARDEN_NOTIFY_SLACK_URLS,
    timeoutMs: config.WARDEN_NOTIFY_TIMEOUT_MS,
    policy: retryPolicy,
  },
  logger,
);
const notifications = createNotificationDispatcher(notifier, logger);
const names = busNames(config.WARDEN_NAMESPACE);
const keyring = loadKeyring(config.WARDEN_ENCRYPTION_KEYS, (message) => logger.warn(message), {
  production: config.NODE_ENV === "production",
});
// Every replica delivers the notification outbox (claims keep replicas apart), leader or not.
const notificationDelivery = startNotificationDelivery({
  db: database.db,
  notifications,
  logger,
  settings: {
    claimMs: config.WARDEN_NOTIFY_CLAIM_MS,
    pollIntervalMs: config.WARDEN_NOTIFY_POLL_INTERVAL_MS,
  },
});
const allTasks = buildAllTasks(
  { db: database.db, redis, bus, names, notifications, notificationDelivery, keyring, registry },
  config,
);
const scheduler = createScheduler({
  db: database.db,
  redis,
  logger,
  metrics: createTaskMetrics(registry),
  tasks: config.WARDEN_SWEEPER_TASKS.map((name) => allTasks[name]),
  instanceId,
  leaseTtlMs: config.WARDEN_SWEEPER_LEASE_TTL_MS,
  retryPolicy,
});

const routerStop = new AbortController();
const router = config.WARDEN_NOTIFY_EVENTS
  ? runEventRouter({ bus, names, redis, notifications, logger, signal: routerStop.signal }).catch(
      (error: unknown) => logger.error({ err: error }, "event router stopped"),
    )
  : Promise.resolve();

const audit = createAuditLog({ db: database.db, logger, registry });
const lastUsed = createLastUsedRecorder({
  db: database.db,
  onError: (error) => logger.warn({ err: error }, "api key last-used write failed; retrying"),
});
const server = buildServer({
  db: database.db,
  audit,
  redis,
  scheduler,
  logger,
  registry,
  health,
  authenticate: createAuthenticator({ db: database.db, adminKey: config.WARDEN_ADMIN_KEY, lastUsed }),
});
const port = await server.listen(config.WARDEN_SWEEPER_PORT, config.WARDEN_BIND_HOST);
const probes = await startProbeServer({
  port: config.WARDEN_PROBE_PORT,
  host: config.WARDEN_BIND_HOST,
  registry,
  checks: infrastructure.checks,
  logger,
});
scheduler.start();
health.setStatus("", true);
logger.info(
  {
    port,
    probePort: probes.port,
    namespace: config.WARDEN_NAMESPACE,
    instanceId,
    tasks: config.WARDEN_SWEEPER_TASKS,
  },
  "sweeper started",
);

onShutdownSignal(logger, () => [
  { name: "mark unready", run: () => probes.setShuttingDown() },
  { name: "drain rpc", run: () => server.close(config.WARDEN_SHUTDOWN_GRACE_MS) },
  { name: "flush audit log", run: () => audit.close() },
  { name: "flush api key last use", run: () => lastUsed.close() },
  { name: "stop scheduler", run: () => scheduler.stop() },
  {
    name: "stop notification delivery",
    // Deliveries still retrying after the grace are aborted and their rows handed back for any replica.
    run: () =>
      Promise.all([notificationDelivery.stop(), notifications.close(config.WARDEN_SHUTDOWN_GRACE_MS)]),
  },
  {
    name: "stop event router",
    run: async () => {
      routerStop.abort();
      // The router acks an event only once its notification is delivered; closing the
      // dispatcher aborts deliveries still retrying after the grace, and those are nak'ed back.
      await Promise.all([router, notifications.close(config.WARDEN_SHUTDOWN_GRACE_MS)]);
    },
  },
  { name: "flush notifications", run: () => notifications.close(config.WARDEN_SHUTDOWN_GRACE_MS) },
  // After the tasks' last commit, so their events go out now rather than from another replica.
  { name: "drain the outbox", run: () => relay.stop(config.WARDEN_SHUTDOWN_GRACE_MS) },
  { name: "close infrastructure", run: () => infrastructure.close() },
  { name: "close probes", run: () => probes.close() },
  { name: "flush traces", run: () => telemetry.shutdown() },
]);
