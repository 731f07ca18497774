import type { Bus, BusLogger } from "@warden/bus";
import type { DatabaseHandle } from "@warden/db";
import type { Registry } from "prom-client";
import { registerOutboxMetrics } from "./outbox-metrics.js";
import { startOutboxRelay, type OutboxRelay, type OutboxRelaySettings } from "./outbox-relay.js";

/**
 * A service's relay on its own pool and NATS connection, woken by NOTIFY on a
 * dedicated connection, with the outbox gauges on its probe registry: what
 * every service that writes events runs once from its composition root.
 */
export function startServiceRelay(options: {
  database: DatabaseHandle;
  bus: Bus;
  logger: BusLogger;
  registry?: Registry;
  settings?: Partial<OutboxRelaySettings>;
}): OutboxRelay {
  const { database, bus, logger } = options;
  if (options.registry) registerOutboxMetrics(options.registry, database.db);
  return startOutboxRelay({
    db: database.db,
    nc: bus.nc,
    namespace: database.namespace,
    listenClientConfig: database.pool.options,
    logger,
    ...(options.settings ? { settings: options.settings } : {}),
  });
}
