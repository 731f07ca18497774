import type { Database } from "@warden/db";
import type { Kysely } from "kysely";
import { findTokenAccount, type TokenAccount } from "./token-accounts.repository.js";

/** Reads account rows, sharing one SELECT among concurrent readers of the same account. */
export type AccountReader = (accountId: string) => Promise<TokenAccount | undefined>;

/**
 * A reader that joins a read of the same account already in flight instead of
 * queueing another one, so a burst of calls for one account costs one pooled
 * connection, not hundreds. A joiner may see a row read up to one query
 * earlier than its arrival, well inside the row cache's own bound.
 */
export function createCoalescedAccountReader(db: Kysely<Database>): AccountReader {
  const inFlight = new Map<string, Promise<TokenAccount | undefined>>();
  return (accountId) => {
    const joined = inFlight.get(accountId);
    if (joined) return joined;
    const read = findTokenAccount(db, accountId).finally(() => inFlight.delete(accountId));
    inFlight.set(accountId, read);
    return read;
  };
}
