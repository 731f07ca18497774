import type { Database, ItemStatusColumn } from "@warden/db";
import type { Transaction } from "kysely";

/** The ledger status of each of `accountIds` in a job (accounts with no item in it are absent). */
export async function itemStatusesOf(
  trx: Transaction<Database>,
  jobId: string,
  accountIds: readonly string[],
): Promise<Map<string, ItemStatusColumn>> {
  if (accountIds.length === 0) return new Map();
  const rows = await trx
    .selectFrom("revoke_items")
    .select(["account_id", "status"])
    .where("job_id", "=", jobId)
    .where("account_id", "in", [...accountIds])
    .execute();
  return new Map(rows.map((row) => [row.account_id, row.status]));
}
