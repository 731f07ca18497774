import type { Bus, BusNames } from "@warden/bus";
import type { Subscription } from "nats";
import type { TokenAccount } from "../repositories/token-accounts.repository.js";

/**
 * A short-lived in-process cache of ACTIVE account rows (ciphertexts only:
 * tokens are decrypted per call, never kept in plaintext). It spares the hot
 * path its one database round trip; any account event drops the entry, and
 * the TTL bounds staleness when an event is missed (e.g. a change made by a
 * service that publishes none).
 */
export interface TokenRowCache {
  get(accountId: string): TokenAccount | undefined;
  set(account: TokenAccount): void;
  delete(accountId: string): void;
}

/** A cache whose entries live `ttlMs` (0 disables it) and which never holds more than `maxEntries`. */
export function createTokenRowCache(
  ttlMs: number,
  maxEntries = 100_000,
  now: () => number = Date.now,
): TokenRowCache {
  const entries = new Map<string, { account: TokenAccount; until: number }>();
  return {
    get(accountId) {
      const entry = entries.get(accountId);
      if (!entry) return undefined;
      if (entry.until <= now()) {
        entries.delete(accountId);
        return undefined;
      }
      return entry.account;
    },
    set(account) {
      if (ttlMs <= 0 || account.status !== "active" || account.deleted_at !== null) return;
      if (entries.size >= maxEntries) entries.clear();
      entries.set(account.id, { account, until: now() + ttlMs });
    },
    delete(accountId) {
      entries.delete(accountId);
    },
  };
}

/** Drops a cached row whenever any account event names it (core NATS, every replica hears it). */
export function invalidateOnAccountEvents(bus: Bus, names: BusNames, cache: TokenRowCache): Subscription {
  const prefix = `${names.namespace}.events.account.`;
  return bus.nc.subscribe(names.subjects.accountEvents(), {
    callback: (error, msg) => {
      if (error) return;
      const rest = msg.subject.slice(prefix.length);
      cache.delete(rest.slice(0, rest.indexOf(".")));
    },
  });
}
