import type { Bus, BusNames } from "@warden/bus";
import type { Database } from "@warden/db";
import type { Redis } from "@warden/redis";
import type { Kysely } from "kysely";
import type { NotificationDispatcher } from "../notifications/notification-dispatcher.js";

/** What the tasks share; built once in main.ts. */
export interface TaskDeps {
  db: Kysely<Database>;
  redis: Redis;
  bus: Bus;
  names: BusNames;
  notifications: NotificationDispatcher;
}

/** Rows handled per statement/transaction, so one run never holds a huge lock or result set. */
export const BATCH_SIZE = 500;
