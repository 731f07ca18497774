import type { Database } from "@warden/db";
import type { Logger } from "@warden/logger";
import type { Kysely } from "kysely";
import type { NotificationDispatcher } from "./notification-dispatcher.js";
import {
  claimNotifications,
  deleteSettledNotification,
  releaseClaim,
  renewClaims,
  type ClaimedNotification,
} from "./notification-outbox.repository.js";
import { createWakeSignal } from "@warden/outbox";

export interface NotificationDeliverySettings {
  /**
   * How long a claim holds a row without renewal. A deliverer renews its claims
   * every third of this while it retries, so only a dead one lets them lapse;
   * this is how soon another replica redelivers a dead deliverer's rows.
   */
  claimMs: number;
  /** How often the outbox is looked at when nothing nudges it (another replica's writes). */
  pollIntervalMs: number;
  /** Rows delivered at once by this replica (each may be retrying a sink that is down). */
  maxInFlight: number;
}

export const DEFAULT_NOTIFICATION_DELIVERY_SETTINGS: NotificationDeliverySettings = {
  claimMs: 60_000,
  pollIntervalMs: 5_000,
  maxInFlight: 64,
};

export interface NotificationDelivery {
  /** Looks at the outbox now (e.g. right after this process committed notifications). */
  nudge(): void;
  /**
   * Claims nothing more and waits for the deliveries in flight (close the
   * dispatcher to abort those still retrying); an aborted one is handed back.
   */
  stop(): Promise<void>;
}

const MAX_BACKOFF_MS = 5_000;

/**
 * Delivers every row of the notification outbox at least once, on every
 * replica at the same time (claims keep them apart): each row goes through the
 * dispatcher (sinks retry transient failures with the retry policy) and is
 * deleted only once every sink acknowledged it with a 2xx or refused it for
 * good (a 4xx, logged). A row whose deliverer dies keeps its idempotency key
 * and is delivered again once the claim lapses.
 */
export function startNotificationDelivery(deps: {
  db: Kysely<Database>;
  notifications: NotificationDispatcher;
  logger: Logger;
  settings?: Partial<NotificationDeliverySettings>;
}): NotificationDelivery {
  const settings = { ...DEFAULT_NOTIFICATION_DELIVERY_SETTINGS, ...deps.settings };
  const { db, notifications, logger } = deps;
  const inFlight = new Map<number, Promise<void>>();
  let stopping = false;

  const { nudge, pause, arm } = createWakeSignal();

  // Renewing while a sink is down (retries can take hours) is what tells a
  // slow deliverer from a dead one; a failed renewal only risks a duplicate.
  const renewal = setInterval(
    () => {
      renewClaims(db, [...inFlight.keys()], settings.claimMs).catch((error: unknown) =>
        logger.warn({ err: { message: (error as Error).message } }, "could not renew notification claims"),
      );
    },
    Math.max(1, Math.floor(settings.claimMs / 3)),
  );
  renewal.unref();

  const settle = async (claimed: ClaimedNotification) => {
    const key = claimed.notification.idempotencyKey;
    if (claimed.claims > 1) logger.info({ key, claims: claimed.claims }, "redelivering a notification");
    const settled = await notifications.deliver(claimed.notification);
    try {
      if (settled) await deleteSettledNotification(db, claimed.id);
      else await releaseClaim(db, claimed.id);
    } catch (error) {
      // The claim lapses and the row is delivered again: a duplicate receivers drop by key, never a loss.
      logger.warn({ key, err: { message: (error as Error).message } }, "could not settle a notification row");
    }
  };

  const loop = async () => {
    let failures = 0;
    while (!stopping) {
      arm();
      const free = settings.maxInFlight - inFlight.size;
      if (free > 0) {
        let claimed: ClaimedNotification[];
        try {
          claimed = await claimNotifications(db, free, settings.claimMs);
        } catch (error) {
          failures++;
          if ((failures & (failures - 1)) === 0)
            logger.warn(
              { failures, err: { message: (error as Error).message } },
              "could not read the notification outbox; retrying",
            );
          await pause(Math.min(250 * 2 ** (failures - 1), MAX_BACKOFF_MS));
          continue;
        }
        failures = 0;
        for (const row of claimed) {
          const delivery = settle(row).finally(() => {
            inFlight.delete(row.id);
            nudge();
          });
          inFlight.set(row.id, delivery);
        }
        // A full batch means more may be waiting: go again at once.
        if (claimed.length === free) continue;
      }
      await pause(settings.pollIntervalMs);
    }
    while (inFlight.size > 0) await Promise.allSettled([...inFlight.values()]);
    clearInterval(renewal);
  };
  const running = loop();

  return {
    nudge,
    async stop() {
      stopping = true;
      nudge();
      await running;
    },
  };
}
