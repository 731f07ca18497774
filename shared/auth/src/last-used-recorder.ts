import type { Database } from "@warden/db";
import { sql, type Kysely } from "kysely";

/** Remembers when API keys were used and writes it coalesced. */
export interface LastUsedRecorder {
  /** Notes a use of the key; costs a map write, never a database round trip. */
  touch(keyId: string, at?: Date): void;
  /** Writes every pending key's latest use in one UPDATE; resolves when written. */
  flush(): Promise<void>;
  /** Stops the timer and flushes what is pending. */
  close(): Promise<void>;
}

export interface LastUsedRecorderOptions {
  db: Kysely<Database>;
  /** How often pending uses are written. Default 60 s: at most one write per key per minute per process. */
  flushIntervalMs?: number;
  /** Told when a flush fails; the uses are kept and retried at the next flush. */
  onError?: (error: unknown) => void;
}

// A key used thousands of times a second must not cost a write each time: the
// uses collapse into one map entry per key, and one UPDATE ... FROM (VALUES …)
// per interval writes them all. last_used_at only moves forward, so replicas
// flushing out of order never set it back.

/**
 * Builds a recorder that writes each used key's last-use time at most once
 * per flush interval, in one statement for all keys, never moving it back.
 */
export function createLastUsedRecorder(options: LastUsedRecorderOptions): LastUsedRecorder {
  const { db } = options;
  let pending = new Map<string, Date>();
  let flushing: Promise<void> = Promise.resolve();

  async function write(batch: Map<string, Date>): Promise<void> {
    if (batch.size === 0) return;
    const rows = [...batch].map(([id, at]) => sql`(${id}, ${at.toISOString()}::timestamptz)`);
    try {
      await sql`
        update api_keys set last_used_at = used.at
        from (values ${sql.join(rows)}) as used(id, at)
        where api_keys.id = used.id and (api_keys.last_used_at is null or api_keys.last_used_at < used.at)
      `.execute(db);
    } catch (error) {
      // Keep the uses for the next flush unless a newer one arrived meanwhile.
      for (const [id, at] of batch) if (!pending.has(id)) pending.set(id, at);
      options.onError?.(error);
    }
  }

  function flush(): Promise<void> {
    flushing = flushing.then(() => {
      const batch = pending;
      pending = new Map();
      return write(batch);
    });
    return flushing;
  }

  const timer = setInterval(() => void flush(), options.flushIntervalMs ?? 60_000);
  timer.unref();

  return {
    touch(keyId, at = new Date()) {
      const known = pending.get(keyId);
      if (!known || known < at) pending.set(keyId, at);
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
