import type { Bus, BusNames } from "@warden/bus";
import type { Keyring } from "@warden/crypto";
import type { Database } from "@warden/db";
import type { Redis } from "@warden/redis";
import type { Kysely } from "kysely";
import type { Registry } from "prom-client";
import type { NotificationDispatcher } from "../notifications/notification-dispatcher.js";
import type { NotificationDelivery } from "../notifications/notification-outbox-delivery.js";

/** What the tasks share; built once in main.ts. */
export interface TaskDeps {
  db: Kysely<Database>;
  redis: Redis;
  bus: Bus;
  names: BusNames;
  notifications: NotificationDispatcher;
  /** Nudged after a task commits notifications to the outbox; without it they wait for the next poll. */
  notificationDelivery?: Pick<NotificationDelivery, "nudge">;
  /** The first key seals; secrets-reseal moves everything else under it. */
  keyring: Keyring;
  /** For task gauges such as warden_sealed_secrets; omit in tests that do not read them. */
  registry?: Registry;
}

/** Rows handled per statement/transaction, so one run never holds a huge lock or result set. */
export const BATCH_SIZE = 500;
