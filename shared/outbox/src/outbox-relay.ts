import type { BusLogger } from "@warden/bus";
import type { Database } from "@warden/db";
import type { Kysely } from "kysely";
import type { NatsConnection } from "nats";
import type pg from "pg";
import { outboxChannel } from "./outbox-channel.js";
import { startOutboxListener, type OutboxListener } from "./outbox-listener.js";
import { relayOutboxBatch, type RelayedBatch } from "./relay-outbox-batch.js";
import { createWakeSignal } from "./wake-signal.js";

export interface OutboxRelaySettings {
  /** Events per claim, roughly (one transaction, one pipelined publish). Default 1,000. */
  batchSize: number;
  /** Poll interval when no notification arrives (a safety net: NOTIFY normally wakes it). Default 1 s. */
  pollIntervalMs: number;
  /** PubAck timeout per publish. Default 3 s. */
  publishTimeoutMs: number;
  /** Longest wait between attempts while NATS or PostgreSQL is down. Default 5 s. */
  maxBackoffMs: number;
}

export const DEFAULT_OUTBOX_RELAY_SETTINGS: OutboxRelaySettings = {
  batchSize: 1_000,
  pollIntervalMs: 1_000,
  publishTimeoutMs: 3_000,
  maxBackoffMs: 5_000,
};

export interface OutboxRelayDeps {
  db: Kysely<Database>;
  nc: NatsConnection;
  namespace: string;
  /** How to open the LISTEN connection (the pool's options will do). Without it the relay only polls. */
  listenClientConfig?: pg.ClientConfig;
  logger: BusLogger;
  settings?: Partial<OutboxRelaySettings>;
}

export interface OutboxRelay {
  /** Looks at the outbox now (e.g. right after this process committed events). */
  nudge(): void;
  /**
   * Stops claiming new work once the outbox is empty or `drainMs` passed,
   * whichever is first; what is left is published by another relay or the
   * next start. Call it after the process's last write.
   */
  stop(drainMs: number): Promise<void>;
}

const RELAY_WINDOW = 512;

/**
 * Runs one relay loop: publishes every committed outbox row to JetStream at
 * least once, woken by NOTIFY on commit (plus a poll), retrying with backoff
 * while NATS or PostgreSQL is down, safe beside relays in other processes.
 */
export function startOutboxRelay(deps: OutboxRelayDeps): OutboxRelay {
  const settings = { ...DEFAULT_OUTBOX_RELAY_SETTINGS, ...deps.settings };
  const { db, nc, logger } = deps;
  let stopping = false;
  let drainDeadline = Number.POSITIVE_INFINITY;

  const { nudge, pause, arm } = createWakeSignal();

  const listener: OutboxListener | undefined = deps.listenClientConfig
    ? startOutboxListener({
        clientConfig: deps.listenClientConfig,
        channel: outboxChannel(deps.namespace),
        onWake: nudge,
        logger,
      })
    : undefined;

  const loop = async () => {
    let failures = 0;
    for (;;) {
      if (stopping && Date.now() >= drainDeadline) return;
      arm();
      let relayed: RelayedBatch;
      try {
        relayed = await relayOutboxBatch(db, nc, {
          limit: settings.batchSize,
          window: RELAY_WINDOW,
          publishTimeoutMs: settings.publishTimeoutMs,
          // One retry inside the batch; past that the whole batch is retried after a backoff.
          publishAttempts: 2,
        });
      } catch (error) {
        failures++;
        // Log the first failure of an outage and then ever more rarely, not every attempt.
        if ((failures & (failures - 1)) === 0)
          logger.warn(
            { failures, err: { message: (error as Error).message } },
            "outbox relay could not publish; retrying",
          );
        if (stopping) return;
        await pause(Math.min(250 * 2 ** (failures - 1), settings.maxBackoffMs));
        continue;
      }
      if (failures > 0) logger.info({ failures }, "outbox relay publishing again");
      failures = 0;
      // A full batch means more may be waiting: go again at once.
      if (relayed.full) continue;
      if (stopping) return;
      await pause(settings.pollIntervalMs);
    }
  };
  const running = loop();

  return {
    nudge,
    async stop(drainMs) {
      stopping = true;
      drainDeadline = Date.now() + drainMs;
      nudge();
      await running;
      await listener?.close();
    },
  };
}
