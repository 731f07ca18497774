import { executeNamed, type Database } from "@warden/db";
import { sql, type Kysely } from "kysely";

/** One ledger line in one run of its job. */
export interface RunItemKey {
  jobId: string;
  accountId: string;
  run: number;
}

/** The map key of one item in one run. */
export function runItemKeyString(key: RunItemKey): string {
  return `${key.jobId}/${key.accountId}/${key.run}`;
}

/**
 * Of `keys`, the ones whose ledger line is still `pending` in that run, as
 * `runItemKeyString` keys: one primary-key probe per key, no row data read.
 */
export async function findPendingItems(
  db: Kysely<Database>,
  keys: readonly RunItemKey[],
): Promise<Set<string>> {
  // Named (see executeNamed in @warden/db): planned once per connection, not per read.
  const result = await executeNamed(
    db,
    "revoke_pending_items",
    sql<{ job_id: string; account_id: string; run: number }>`
    select i.job_id, i.account_id, i.run
      from unnest(${keys.map((k) => k.jobId)}::text[], ${keys.map((k) => k.accountId)}::text[],
                  ${keys.map((k) => k.run)}::int[]) as k(job_id, account_id, run)
      join revoke_items i on i.job_id = k.job_id and i.account_id = k.account_id and i.run = k.run
     where i.status = 'pending'`,
  );
  return new Set(
    result.rows.map((row) =>
      runItemKeyString({ jobId: row.job_id, accountId: row.account_id, run: row.run }),
    ),
  );
}
