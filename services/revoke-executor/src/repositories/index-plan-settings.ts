import { sql, type RawBuilder } from "kysely";

/**
 * Select-list items that switch the rest of the current transaction to index
 * paths (no sequential or bitmap scans, no hash or merge joins): every
 * statement of the executor's write paths reads rows by key, but the items and
 * accounts of a young job have no statistics yet, and with the default
 * estimates PostgreSQL would scan every item or account of the job on each
 * batch (measured at 100k: 37-52 ms per batch against 2-7 ms by index).
 */
export function indexPlanSettings(): RawBuilder<unknown> {
  return sql`set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true),
             set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)`;
}
