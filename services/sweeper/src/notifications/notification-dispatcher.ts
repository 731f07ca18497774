import type { Logger } from "@warden/logger";
import type { Notification, Notifier } from "./notification.js";

/** Hands notifications to the notifier in the background so no caller waits on a slow sink. */
export interface NotificationDispatcher {
  dispatch(notification: Notification): void;
  /**
   * Delivers and waits (sinks retry transient failures themselves): true once
   * every sink delivered or failed permanently (logged), false when shutdown
   * aborted it, so the caller hands its source back for redelivery.
   */
  deliver(notification: Notification): Promise<boolean>;
  /** Resolves once every dispatched notification settled (tests, shutdown). */
  idle(): Promise<void>;
  /** Aborts deliveries still retrying, waiting at most `graceMs` for the rest. */
  close(graceMs: number): Promise<void>;
}

/**
 * Delivers each notification in the background (sinks retry on their own);
 * at most `maxInFlight` at once — beyond that new ones are dropped with an
 * error log rather than growing memory without bound while a sink is down.
 */
export function createNotificationDispatcher(
  notifier: Notifier,
  logger: Logger,
  maxInFlight = 1_000,
): NotificationDispatcher {
  const controller = new AbortController();
  const inFlight = new Set<Promise<void>>();
  const logFailure = (notification: Notification, error: unknown) => {
    const errors = error instanceof AggregateError ? error.errors : [error];
    logger.error(
      {
        key: notification.idempotencyKey,
        kind: notification.kind,
        errors: errors.map((e) => (e as Error)?.message ?? String(e)),
      },
      "notification not delivered",
    );
  };
  return {
    async deliver(notification) {
      const delivery = notifier.send(notification, controller.signal);
      const tracked = delivery.then(
        () => undefined,
        () => undefined,
      );
      inFlight.add(tracked);
      try {
        await delivery;
        logger.debug({ key: notification.idempotencyKey }, "notification delivered");
        return true;
      } catch (error) {
        if (controller.signal.aborted) return false;
        logFailure(notification, error);
        return true;
      } finally {
        inFlight.delete(tracked);
      }
    },
    dispatch(notification) {
      if (inFlight.size >= maxInFlight) {
        logger.error(
          { key: notification.idempotencyKey, kind: notification.kind },
          "notification dropped: too many undelivered",
        );
        return;
      }
      const delivery = notifier
        .send(notification, controller.signal)
        .then(() => logger.debug({ key: notification.idempotencyKey }, "notification delivered"))
        .catch((error: unknown) => logFailure(notification, error))
        .finally(() => inFlight.delete(delivery));
      inFlight.add(delivery);
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    async close(graceMs) {
      const timer = setTimeout(() => controller.abort(new Error("sweeper stopping")), graceMs);
      await this.idle();
      clearTimeout(timer);
    },
  };
}
