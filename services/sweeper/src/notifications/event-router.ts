import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { runConsumer, type Bus, type BusNames } from "@warden/bus";
import type { Logger } from "@warden/logger";
import {
  AccountEventSchema,
  JobEventSchema,
  LeaseEventSchema,
  type AccountEvent,
} from "@warden/proto/events/v1";
import type { Redis } from "@warden/redis";
import { ensureEventConsumer } from "./event-consumer.js";
import {
  APP_LEVEL_ERROR_CODES,
  authConfigFaultNotification,
  authConfigRecoveredNotification,
  jobFailuresNotification,
  leaseExpiredNotification,
  revokeCircuitOpenNotification,
} from "./event-notifications.js";
import type { Notification } from "./notification.js";
import type { NotificationDispatcher } from "./notification-dispatcher.js";

export interface EventRouterOptions {
  bus: Bus;
  names: BusNames;
  redis: Redis;
  notifications: NotificationDispatcher;
  logger: Logger;
  signal: AbortSignal;
}

// An open fault episode per auth config: set once (NX) by the first app-level
// failure, taken (get + delete, atomically) by the first success after it.
const faultKey = (authConfigId: string) => `sweeper:auth-config-fault:${authConfigId}`;
const TAKE = `local v = redis.call("get", KEYS[1]) if v then redis.call("del", KEYS[1]) end return v`;
const FAULT_TTL_SECONDS = 30 * 24 * 3600;

/**
 * Turns events into notifications through durable consumers on the events
 * stream (shared by every replica, so each event is handled once and none is
 * missed while the sweeper restarts): job completed with failures (one per
 * job run), lease expired, an auth config's app-level fault and its recovery
 * (one per episode, not per account), a revoke job's breaker opening (one per
 * job run and auth config). Reconnects come from the digest task.
 * An event is acked only after its notification was delivered (receivers drop
 * a redelivered one by its idempotency key).
 * Resolves once `signal` aborted and the loops stopped.
 */
export async function runEventRouter(options: EventRouterOptions): Promise<void> {
  const { bus, names, redis, notifications, logger, signal } = options;
  const NS = names.namespace.toUpperCase();
  const ns = names.namespace;
  const route = <Desc extends DescMessage>(
    durable: string,
    filter: string,
    schema: Desc,
    toNotification: (event: MessageShape<Desc>, subject: string) => Promise<Notification | undefined>,
  ) =>
    runConsumer({
      js: bus.js,
      stream: names.streams.events,
      durable,
      schema,
      signal,
      logger,
      // Deliveries are awaited (a sink that is down holds its events), so allow many at once.
      concurrency: 64,
      ensureConsumer: () => ensureEventConsumer(bus.jsm, names.streams.events, durable, filter),
      handler: async (delivery) => {
        const notification = await toNotification(delivery.message, delivery.raw.subject);
        // Acked only once delivered (or refused for good): the durable consumer on the durable
        // events stream is this notification's outbox, so a crash redelivers it rather than losing it.
        if (notification && !(await notifications.deliver(notification))) return { kind: "nak" };
        return { kind: "ack" };
      },
    });

  const onAccountEvent = async (event: AccountEvent, subject: string): Promise<Notification | undefined> => {
    if (!event.authConfigId) return undefined;
    const kind = subject.slice(subject.lastIndexOf(".") + 1);
    if (kind === "revoke_circuit_open") return revokeCircuitOpenNotification(event);
    if (kind === "refresh_failed" && APP_LEVEL_ERROR_CODES.has(event.errorCode)) {
      const since = event.occurredAt ? timestampMs(event.occurredAt) : Date.now();
      const opened = await redis.set(
        faultKey(event.authConfigId),
        String(since),
        "EX",
        FAULT_TTL_SECONDS,
        "NX",
      );
      return opened === "OK" ? authConfigFaultNotification(event, since) : undefined;
    }
    if (kind === "refreshed") {
      const since = (await redis.eval(TAKE, 1, faultKey(event.authConfigId))) as string | null;
      return since === null ? undefined : authConfigRecoveredNotification(event, Number(since));
    }
    return undefined;
  };

  await Promise.all([
    route(`${NS}_SWEEPER_NOTIFY_JOBS`, `${ns}.events.job.*.completed`, JobEventSchema, async (e) =>
      jobFailuresNotification(e),
    ),
    route(`${NS}_SWEEPER_NOTIFY_LEASES`, `${ns}.events.lease.*.expired`, LeaseEventSchema, async (e) =>
      leaseExpiredNotification(e),
    ),
    route(
      `${NS}_SWEEPER_NOTIFY_ACCOUNTS`,
      names.subjects.accountEvents(),
      AccountEventSchema,
      onAccountEvent,
    ),
  ]);
}
