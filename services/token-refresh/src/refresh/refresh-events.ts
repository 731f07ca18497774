import { fromBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Bus, BusNames } from "@warden/bus";
import type { Database } from "@warden/db";
import { accountOutboxEvent } from "@warden/events";
import type { Logger } from "@warden/logger";
import { enqueueEvents, type OutboxEvent } from "@warden/outbox";
import type { Kysely } from "kysely";
import { AccountEventSchema } from "@warden/proto/events/v1";
import type { Subscription } from "nats";
import type { TokenAccount } from "../repositories/token-accounts.repository.js";

/** The account events token-refresh publishes. */
export type RefreshEventKind = "refreshed" | "refresh_failed" | "needs_reconnect";

/** What a follower learns from the leader's event. */
export interface RefreshEventSeen {
  kind: RefreshEventKind;
  errorCode: string;
}

/** Waits for one account's refresh events; buffered from the moment it was created. */
export interface RefreshEventWaiter {
  /** The next event, or undefined when `timeoutMs` passed first. */
  next(timeoutMs: number): Promise<RefreshEventSeen | undefined>;
  close(): void;
}

/** Publishing and awaiting refresh events on `<ns>.events.account.<id>.<kind>`. */
export interface RefreshEvents {
  /**
   * The event for the outbox, to commit in the transaction of the change it
   * reports; never carries a token. `statusReason` says why a needs_reconnect
   * happened (the provider's code, or rotation_lost).
   */
  eventOf(
    kind: RefreshEventKind,
    account: TokenAccount,
    errorCode?: string,
    statusReason?: string,
  ): OutboxEvent;
  /**
   * Writes an event that reports no database change (a failed attempt) to the
   * outbox in a transaction of its own; never carries a token; never throws.
   */
  publish(kind: RefreshEventKind, account: TokenAccount, errorCode?: string): void;
  /**
   * Subscribes to the account's events and resolves once the server has the
   * subscription, so an event published after this resolves cannot be missed
   * (callers subscribe before looking at the lock: no lost wake-up).
   */
  listen(accountId: string): Promise<RefreshEventWaiter>;
}

const KINDS = new Set<string>(["refreshed", "refresh_failed", "needs_reconnect"]);

/** Builds the events of one process on its bus connection. */
export function createRefreshEvents(
  bus: Bus,
  names: BusNames,
  logger: Logger,
  db: Kysely<Database>,
): RefreshEvents {
  const eventOf = (kind: RefreshEventKind, account: TokenAccount, errorCode = "", statusReason = errorCode) =>
    accountOutboxEvent(names, kind, {
      accountId: account.id,
      orgId: account.org_id,
      projectId: account.project_id,
      authConfigId: account.auth_config_id,
      errorCode,
      ...(kind === "needs_reconnect" ? { statusReason } : {}),
      ...(kind === "refreshed" && account.expires_at
        ? { expiresAt: timestampFromDate(account.expires_at) }
        : {}),
    });
  return {
    eventOf,
    publish(kind, account, errorCode = "") {
      db.transaction()
        .execute((trx) => enqueueEvents(trx, [eventOf(kind, account, errorCode)]))
        .catch((error: unknown) => {
          // Followers still wake: their wait is bounded and ends in a re-read.
          logger.warn(
            { accountId: account.id, kind, err: { message: errorMessage(error) } },
            "could not write account event",
          );
        });
    },
    async listen(accountId) {
      const queue: RefreshEventSeen[] = [];
      let wake: (() => void) | undefined;
      let subscription: Subscription | undefined;
      try {
        subscription = bus.nc.subscribe(names.subjects.accountEvents(accountId), {
          callback: (error, msg) => {
            if (error) return;
            const kind = msg.subject.slice(msg.subject.lastIndexOf(".") + 1);
            if (!KINDS.has(kind)) return;
            let errorCode = "";
            try {
              errorCode = fromBinary(AccountEventSchema, msg.data).errorCode;
            } catch {
              // An undecodable event still wakes the follower; it re-reads the database anyway.
            }
            queue.push({ kind: kind as RefreshEventKind, errorCode });
            wake?.();
          },
        });
        await bus.nc.flush();
      } catch (error) {
        // NATS down: the waiter only times out, and the follower re-reads then.
        logger.warn(
          { accountId, err: { message: errorMessage(error) } },
          "could not subscribe to account events",
        );
      }
      return {
        async next(timeoutMs) {
          if (queue.length === 0) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, timeoutMs);
              wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
            wake = undefined;
          }
          return queue.shift();
        },
        close() {
          subscription?.unsubscribe();
        },
      };
    },
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
