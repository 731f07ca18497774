import type { Database, LeaseRow, RevokeJobRow } from "@warden/db";
import type { RevokedAccount } from "@warden/events";
import { sql, type Kysely, type Transaction } from "kysely";
import type { LedgerOutcome } from "./ledger-outcome.js";

/** What one committed ledger batch changed; events are published from this after the commit. */
export interface WrittenBatch {
  /** Per outcome, in order: true if the transaction changed the item (so counters moved). */
  changed: boolean[];
  /** Accounts whose tokens were wiped, with the job that wiped them. */
  wipedAccounts: Array<{ account: RevokedAccount; jobId: string }>;
  revokedLeases: Array<Omit<LeaseRow, "token_hash">>;
  /** Every job whose counters moved, as it stands after the batch. */
  jobs: RevokeJobRow[];
  /** Jobs this batch moved to `completed`. */
  completedJobs: RevokeJobRow[];
}

const key = (jobId: string, accountId: string) => `${jobId}\u0000${accountId}`;

/**
 * Writes a batch of outcomes in one transaction: final statuses only onto items
 * still `pending` in the same run (so an item gets exactly one final status
 * however often it is delivered), wipes and lease revocations for the items that
 * changed, job counters moved by exactly the rows changed, and completion of
 * running jobs left with nothing pending.
 */
export async function writeOutcomes(db: Kysely<Database>, outcomes: LedgerOutcome[]): Promise<WrittenBatch> {
  return db.transaction().execute((trx) => writeOutcomesIn(trx, outcomes));
}

async function writeOutcomesIn(trx: Transaction<Database>, outcomes: LedgerOutcome[]): Promise<WrittenBatch> {
  // A redelivered item can land in the same batch twice; only its first outcome is written,
  // or one changed row would be counted twice.
  const seen = new Set<string>();
  const firsts = outcomes.map((o) => {
    const k = key(o.jobId, o.accountId);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const unique = outcomes.filter((_, index) => firsts[index]);
  const finals = unique.filter((o) => o.kind === "final");
  const retries = unique.filter((o) => o.kind === "retry");
  const changedKeys = new Set<string>();
  // Job rows are locked first, in id order, as CancelRevokeJob and RetryRevokeJob
  // lock them (job, then items): taking items first would deadlock against them.
  const jobIds = [...new Set(unique.map((o) => o.jobId))].sort();
  await sql`select id from revoke_jobs where id = any(${jobIds}::text[]) order by id for update`.execute(trx);

  if (finals.length > 0) {
    const rows = await sql<{ job_id: string; account_id: string; status: string }>`
      update revoke_items as i
         set status = v.status, attempts = v.attempts, error_code = v.error_code,
             error_message = v.error_message, wiped_locally = v.wiped_locally, updated_at = now()
        from unnest(${finals.map((o) => o.jobId)}::text[], ${finals.map((o) => o.accountId)}::text[],
                    ${finals.map((o) => o.run)}::int[], ${finals.map((o) => o.status)}::text[],
                    ${finals.map((o) => o.attempts)}::int[], ${finals.map((o) => o.errorCode)}::text[],
                    ${finals.map((o) => o.errorMessage)}::text[],
                    ${finals.map((o) => o.wipe && !o.confirmedUpstream)}::bool[])
             as v(job_id, account_id, run, status, attempts, error_code, error_message, wiped_locally)
       where i.job_id = v.job_id and i.account_id = v.account_id and i.run = v.run and i.status = 'pending'
      returning i.job_id, i.account_id, i.status`.execute(trx);
    for (const row of rows.rows) changedKeys.add(key(row.job_id, row.account_id));
  }
  if (retries.length > 0) {
    const rows = await sql<{ job_id: string; account_id: string }>`
      update revoke_items as i
         set attempts = v.attempts, error_code = v.error_code, updated_at = now()
        from unnest(${retries.map((o) => o.jobId)}::text[], ${retries.map((o) => o.accountId)}::text[],
                    ${retries.map((o) => o.run)}::int[], ${retries.map((o) => o.attempts)}::int[],
                    ${retries.map((o) => o.errorCode)}::text[])
             as v(job_id, account_id, run, attempts, error_code)
       where i.job_id = v.job_id and i.account_id = v.account_id and i.run = v.run and i.status = 'pending'
      returning i.job_id, i.account_id`.execute(trx);
    for (const row of rows.rows) changedKeys.add(key(row.job_id, row.account_id));
  }
  const changed = outcomes.map((o, index) => firsts[index]! && changedKeys.has(key(o.jobId, o.accountId)));
  const changedFinals = finals.filter((o) => changedKeys.has(key(o.jobId, o.accountId)));

  const wipes = changedFinals.filter((o) => o.wipe).sort((a, b) => (a.accountId < b.accountId ? -1 : 1));
  const wipedAccounts: WrittenBatch["wipedAccounts"] = [];
  let revokedLeases: WrittenBatch["revokedLeases"] = [];
  if (wipes.length > 0) {
    const jobOf = new Map(wipes.map((o) => [o.accountId, o.jobId]));
    // token_version moves so an in-flight refresh (fenced on it) can never write a token back.
    const accounts = await sql<RevokedAccount>`
      update connected_accounts as a
         set access_token_ciphertext = null, refresh_token_ciphertext = null, token_key_id = null,
             status = case when a.status = 'deleted' then 'deleted' else 'revoked' end,
             status_changed_at = case when a.status in ('deleted', 'revoked') then a.status_changed_at else now() end,
             revoked_upstream_at = case when u.confirmed then now() else a.revoked_upstream_at end,
             token_version = a.token_version + 1, updated_at = now()
        from unnest(${wipes.map((o) => o.accountId)}::text[], ${wipes.map((o) => o.confirmedUpstream)}::bool[])
             as u(id, confirmed)
       where a.id = u.id
      returning a.id, a.org_id, a.project_id, a.auth_config_id`.execute(trx);
    for (const account of accounts.rows) wipedAccounts.push({ account, jobId: jobOf.get(account.id)! });
    revokedLeases = await trx
      .updateTable("leases")
      .set({ status: "revoked", ended_at: new Date() })
      .where("account_id", "in", [...jobOf.keys()])
      .where("status", "=", "active")
      .returning([
        "id",
        "org_id",
        "project_id",
        "account_id",
        "holder",
        "purpose",
        "status",
        "created_at",
        "expires_at",
        "ended_at",
      ])
      .execute();
  }

  const jobs: RevokeJobRow[] = [];
  const completedJobs: RevokeJobRow[] = [];
  const deltas = new Map<string, { revoked: number; failed: number; skipped: number }>();
  for (const o of changedFinals) {
    const delta = deltas.get(o.jobId) ?? { revoked: 0, failed: 0, skipped: 0 };
    delta[o.status]++;
    deltas.set(o.jobId, delta);
  }
  for (const jobId of [...deltas.keys()].sort()) {
    const d = deltas.get(jobId)!;
    const moved = d.revoked + d.failed + d.skipped;
    const job = await sql<RevokeJobRow>`
      update revoke_jobs
         set pending = pending - ${moved}, revoked = revoked + ${d.revoked}, failed = failed + ${d.failed},
             skipped = skipped + ${d.skipped}, updated_at = now()
       where id = ${jobId}
      returning *`.execute(trx);
    const row = job.rows[0];
    if (row === undefined) continue;
    if (row.status === "running" && row.pending === 0) {
      const done = await sql<RevokeJobRow>`
        update revoke_jobs set status = 'completed', finished_at = now(), updated_at = now()
         where id = ${jobId} and status = 'running' and pending = 0
        returning *`.execute(trx);
      if (done.rows[0]) {
        completedJobs.push(done.rows[0]);
        jobs.push(done.rows[0]);
        continue;
      }
    }
    jobs.push(row);
  }
  return { changed, wipedAccounts, revokedLeases, jobs, completedJobs };
}
