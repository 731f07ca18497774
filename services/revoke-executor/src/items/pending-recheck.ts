import type { Database } from "@warden/db";
import DataLoader from "dataloader";
import type { Kysely } from "kysely";
import { createBatchGate } from "../batching/batch-gate.js";
import {
  findPendingItems,
  runItemKeyString,
  type RunItemKey,
} from "../repositories/pending-items.repository.js";

/**
 * Asks the ledger, right before a provider call, whether the item is still
 * pending in its run. The read that admitted the delivery can be seconds old
 * by the time a provider slot frees: meanwhile a copy of the message (an ack
 * wait that ran out, a NATS restart, a recovery republish) may have been
 * revoked and committed by another executor, or a cancel may have landed.
 * Calling the provider again then is exactly the double revocation this
 * check exists to prevent. A read younger than `recheckAfterMs` (see
 * ItemSettings) is trusted: asking again costs a round trip while the slot is
 * held, and measured at zero provider latency that was a sixth of the CPU per
 * item, spent on reads a few milliseconds old that a copy can hardly have
 * overtaken.
 */
export type PendingRecheck = (key: RunItemKey) => Promise<boolean>;

/**
 * Creates a recheck that batches concurrent questions into one indexed read
 * (at most `concurrency` reads at once; questions arriving meanwhile join the
 * next one), so a full pool of provider slots costs a round trip per batch,
 * not per item.
 */
export function createPendingRecheck(options: {
  db: Kysely<Database>;
  concurrency: number;
  maxBatch: number;
}): PendingRecheck {
  const gate = createBatchGate({ concurrency: options.concurrency, waitMs: 1 });
  const loader = new DataLoader<RunItemKey, boolean, string>(
    (keys) =>
      gate.run(async () => {
        const pending = await findPendingItems(options.db, keys);
        return keys.map((key) => pending.has(runItemKeyString(key)));
      }),
    {
      cache: false,
      maxBatchSize: options.maxBatch,
      batchScheduleFn: gate.schedule,
      cacheKeyFn: runItemKeyString,
    },
  );
  return (key) => loader.load(key);
}
