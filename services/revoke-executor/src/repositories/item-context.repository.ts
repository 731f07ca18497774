import { executeNamed, type Database, type ItemStatusColumn, type JobStatusColumn } from "@warden/db";
import { sql, type Kysely } from "kysely";

/** Everything needed to act on one work item, read in one round trip. */
export interface ItemContext {
  jobId: string;
  accountId: string;
  run: number;
  status: ItemStatusColumn;
  attempts: number;
  authConfigId: string;
  jobStatus: JobStatusColumn;
  force: boolean;
  /** Null when the account row is gone. */
  externalUserId: string | null;
  /**
   * The token to revoke, sealed: the access token first for dialects that
   * present it as the credential (Slack, bearer, GitHub), else the refresh
   * token if the account holds one (see tokenKindFor in @warden/oauth).
   */
  tokenCiphertext: Buffer | null;
  tokenKind: "refresh" | "access";
  tokenKeyId: string | null;
  /** When the read answered (performance.now()). */
  readAt: number;
}

/** Identifies one ledger line. */
export interface ItemKey {
  jobId: string;
  accountId: string;
}

/** Loads the ledger line, its job and its account for many items at once; missing items are absent from the map. */
export async function loadItemContexts(
  db: Kysely<Database>,
  keys: readonly ItemKey[],
): Promise<Map<string, ItemContext>> {
  // Named (see executeNamed in @warden/db): planned once per connection, not per read.
  const result = await executeNamed(
    db,
    "revoke_item_contexts",
    sql<{
      job_id: string;
      account_id: string;
      run: number;
      status: ItemStatusColumn;
      attempts: number;
      auth_config_id: string;
      job_status: JobStatusColumn;
      force: boolean;
      external_user_id: string | null;
      token_ciphertext: Buffer | null;
      is_refresh: boolean;
      token_key_id: string | null;
    }>`
    select i.job_id, i.account_id, i.run, i.status, i.attempts, i.auth_config_id,
           j.status as job_status, j.force,
           a.external_user_id, a.token_key_id,
           -- Only the token that will be revoked travels (and is decoded): half the bytes per item.
           -- Which one depends on the dialect; this must agree with tokenKindFor in @warden/oauth.
           case when ac.revoke_method in ('slack', 'bearer', 'github')
                then coalesce(a.access_token_ciphertext, a.refresh_token_ciphertext)
                else coalesce(a.refresh_token_ciphertext, a.access_token_ciphertext) end as token_ciphertext,
           case when ac.revoke_method in ('slack', 'bearer', 'github')
                then a.access_token_ciphertext is null and a.refresh_token_ciphertext is not null
                else a.refresh_token_ciphertext is not null end as is_refresh
      from unnest(${keys.map((k) => k.jobId)}::text[], ${keys.map((k) => k.accountId)}::text[]) as k(job_id, account_id)
      join revoke_items i on i.job_id = k.job_id and i.account_id = k.account_id
      join revoke_jobs j on j.id = i.job_id
      left join connected_accounts a on a.id = i.account_id
      left join auth_configs ac on ac.id = i.auth_config_id`,
  );
  const contexts = new Map<string, ItemContext>();
  const readAt = performance.now();
  for (const row of result.rows) {
    contexts.set(itemKeyString(row.job_id, row.account_id), {
      jobId: row.job_id,
      accountId: row.account_id,
      run: row.run,
      status: row.status,
      attempts: row.attempts,
      authConfigId: row.auth_config_id,
      jobStatus: row.job_status,
      force: row.force,
      externalUserId: row.external_user_id,
      tokenCiphertext: row.token_ciphertext,
      tokenKind: row.is_refresh ? "refresh" : "access",
      tokenKeyId: row.token_key_id,
      readAt,
    });
  }
  return contexts;
}

/** The map key of one item. */
export function itemKeyString(jobId: string, accountId: string): string {
  return `${jobId}/${accountId}`;
}
