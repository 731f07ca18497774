import type { Database } from "@warden/db";
import type { Kysely, Transaction } from "kysely";

type Db = Kysely<Database> | Transaction<Database>;

const FIRST_RETRY_MS = 25;
const MAX_RETRY_MS = 1_000;

/**
 * Runs one write of a provider's answer (tokens, NEEDS_RECONNECT, or the
 * attempt's clearing) and, outside a transaction, retries it on any error
 * until `deadline` (epoch ms): the answer exists only in this process, so a
 * pool timeout or a dropped connection must not be what loses a rotated
 * refresh token. Retrying is safe because every such write is fenced by the
 * token_version the leader read: a retry after a write that did commit finds
 * the version moved and reports "superseded", whose re-read is that write.
 * In a transaction one failed statement aborts it, so there it runs once.
 */
export async function writeAnswer<T>(db: Db, deadline: number, write: (db: Db) => Promise<T>): Promise<T> {
  if (db.isTransaction) return write(db);
  for (let delay = FIRST_RETRY_MS; ; delay = Math.min(delay * 2, MAX_RETRY_MS)) {
    try {
      return await write(db);
    } catch (error) {
      if (Date.now() + delay > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
