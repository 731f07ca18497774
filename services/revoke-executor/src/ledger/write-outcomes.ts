import { executeNamed, type Database, type LeaseRow, type RevokeJobRow } from "@warden/db";
import type { RevokedAccount } from "@warden/events";
import { enqueueEvents, type OutboxEvent } from "@warden/outbox";
import { sql, type Kysely } from "kysely";
import { indexPlanSettings } from "../repositories/index-plan-settings.js";
import type { LedgerOutcome } from "./ledger-outcome.js";

/** What one ledger batch changed; its events are built from this inside the same transaction. */
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

type Json<T> = {
  [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K];
};

interface BatchResult {
  changed: Array<[string, string]>;
  wiped: Array<RevokedAccount & { job_id: string }>;
  leases: Array<Json<Omit<LeaseRow, "token_hash">>>;
  jobs: Array<Json<RevokeJobRow>>;
}

/**
 * Writes a batch of outcomes in one transaction of two statements: final
 * statuses only onto items still `pending` in the same run (so an item gets
 * exactly one final status however often it is delivered), except that a
 * provider-confirmed revocation also turns a `cancelled` item of that run
 * `revoked` (the cancel raced the call, the provider had the last word), wipes and lease
 * revocations for the items that changed, job counters moved by exactly the
 * rows changed, completion of running jobs left with nothing pending, and
 * the outbox events `eventsOf` builds from what changed.
 */
export async function writeOutcomes(
  db: Kysely<Database>,
  outcomes: LedgerOutcome[],
  eventsOf: (batch: WrittenBatch) => OutboxEvent[] = () => [],
): Promise<WrittenBatch> {
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
  const jobIds = [...new Set(unique.map((o) => o.jobId))].sort();

  return db.transaction().execute(async (trx) => {
    // Job rows are locked first, in id order, as CancelRevokeJob and RetryRevokeJob lock them
    // (job, then items): taking items first would deadlock against them. The same statement
    // turns the transaction to index plans: one primary-key probe per outcome.
    // Both statements are named (see executeNamed in @warden/db): planned once per connection, not per batch.
    await executeNamed(
      trx,
      "revoke_ledger_lock_jobs",
      sql`
      select ${indexPlanSettings()},
             (select count(*) from (select id from revoke_jobs where id = any(${jobIds}::text[])
                                     order by id for update) as locked)`,
    );
    // One statement for the rest: counters move by what `finals` returned, and a running job
    // whose pending reaches 0 is completed by the same update, so completion is decided once.
    const result = await executeNamed(
      trx,
      "revoke_ledger_write",
      sql<BatchResult>`
    -- The outcomes travel once: finals and rescued both read them from here.
    with outcomes as (
      select *
        from unnest(${finals.map((o) => o.jobId)}::text[], ${finals.map((o) => o.accountId)}::text[],
                    ${finals.map((o) => o.run)}::int[], ${finals.map((o) => o.status)}::text[],
                    ${finals.map((o) => o.attempts)}::int[], ${finals.map((o) => o.errorCode)}::text[],
                    ${finals.map((o) => o.errorMessage)}::text[],
                    ${finals.map((o) => o.errorDescription ?? null)}::text[],
                    ${finals.map((o) => o.wipe)}::bool[], ${finals.map((o) => o.status === "revoked" && o.confirmedUpstream)}::bool[])
             as v(job_id, account_id, run, status, attempts, error_code, error_message, error_description,
                  wipe, confirmed)
    ),
    finals as (
      update revoke_items as i
         set status = v.status, attempts = v.attempts, error_code = v.error_code,
             error_message = v.error_message, error_description = v.error_description,
             wiped_locally = v.wipe and not v.confirmed, updated_at = now()
        from outcomes as v
       where i.job_id = v.job_id and i.account_id = v.account_id and i.run = v.run and i.status = 'pending'
      returning i.job_id, i.account_id, i.status, v.wipe, v.confirmed
    ),
    -- A cancel that landed while the provider call was in flight marked the item cancelled; the
    -- provider has confirmed the revocation, so the truth is revoked (and the tokens are wiped).
    rescued as (
      update revoke_items as i
         set status = 'revoked', attempts = v.attempts, error_code = null, error_message = null,
             wiped_locally = false, updated_at = now()
        from outcomes as v
       where v.confirmed
         and i.job_id = v.job_id and i.account_id = v.account_id and i.run = v.run and i.status = 'cancelled'
      returning i.job_id, i.account_id, true as wipe, true as confirmed
    ),
    settled as (
      select job_id, account_id, wipe, confirmed from finals
      union all
      select job_id, account_id, wipe, confirmed from rescued
    ),
    retried as (
      update revoke_items as i
         set attempts = v.attempts, error_code = v.error_code, updated_at = now()
        from unnest(${retries.map((o) => o.jobId)}::text[], ${retries.map((o) => o.accountId)}::text[],
                    ${retries.map((o) => o.run)}::int[], ${retries.map((o) => o.attempts)}::int[],
                    ${retries.map((o) => (o.kind === "retry" ? o.errorCode : null))}::text[])
             as v(job_id, account_id, run, attempts, error_code)
       where i.job_id = v.job_id and i.account_id = v.account_id and i.run = v.run and i.status = 'pending'
      returning i.job_id, i.account_id
    ),
    wiped as (
      -- token_version moves so an in-flight refresh (fenced on it) can never write a token back.
      update connected_accounts as a
         set access_token_ciphertext = null, refresh_token_ciphertext = null, token_key_id = null,
             status = case when a.status = 'deleted' then 'deleted' else 'revoked' end,
             status_changed_at = case when a.status in ('deleted', 'revoked') then a.status_changed_at else now() end,
             revoked_upstream_at = case when f.confirmed then now() else a.revoked_upstream_at end,
             token_version = a.token_version + 1, updated_at = now()
        from settled as f
       where f.wipe and a.id = f.account_id
      returning a.id, a.org_id, a.project_id, a.auth_config_id, f.job_id
    ),
    revoked_leases as (
      update leases as l
         set status = 'revoked', ended_at = now()
       where l.account_id in (select account_id from settled where wipe) and l.status = 'active'
      returning l.id, l.org_id, l.project_id, l.account_id, l.holder, l.purpose, l.status,
                l.created_at, l.expires_at, l.ended_at
    ),
    deltas as (
      select job_id, sum(moved)::int as moved, sum(revoked)::int as revoked, sum(failed)::int as failed,
             sum(skipped)::int as skipped, sum(uncancelled)::int as uncancelled
        from (select job_id, 1 as moved, (status = 'revoked')::int as revoked, (status = 'failed')::int as failed,
                     (status = 'skipped')::int as skipped, 0 as uncancelled
                from finals
              union all
              select job_id, 0, 1, 0, 0, 1 from rescued) as moves
       group by job_id
    ),
    moved_jobs as (
      update revoke_jobs as j
         set pending = j.pending - d.moved, revoked = j.revoked + d.revoked,
             failed = j.failed + d.failed, skipped = j.skipped + d.skipped,
             cancelled = j.cancelled - d.uncancelled,
             status = case when j.status = 'running' and d.moved > 0 and j.pending = d.moved then 'completed' else j.status end,
             finished_at = case when j.status = 'running' and d.moved > 0 and j.pending = d.moved then now() else j.finished_at end,
             updated_at = now()
        from deltas as d
       where j.id = d.job_id
      returning j.*
    )
    select
      (select coalesce(json_agg(json_build_array(c.job_id, c.account_id)), '[]')
         from (select job_id, account_id from settled union all select job_id, account_id from retried) as c) as changed,
      (select coalesce(json_agg(w), '[]') from wiped as w) as wiped,
      (select coalesce(json_agg(l), '[]') from revoked_leases as l) as leases,
      (select coalesce(json_agg(m), '[]') from moved_jobs as m) as jobs`,
    );
    const batch = toWrittenBatch(outcomes, firsts, result.rows[0]!);
    // The events this batch reports commit with it (one multi-row insert), or not at all.
    await enqueueEvents(trx, eventsOf(batch));
    return batch;
  });
}

function toWrittenBatch(outcomes: LedgerOutcome[], firsts: boolean[], row: BatchResult): WrittenBatch {
  const changedKeys = new Set(row.changed.map(([jobId, accountId]) => key(jobId, accountId)));
  const changed = outcomes.map((o, index) => firsts[index]! && changedKeys.has(key(o.jobId, o.accountId)));
  const wipedAccounts = row.wiped.map(({ job_id, ...account }) => ({ account, jobId: job_id }));
  const revokedLeases = row.leases.map((lease) => ({
    ...lease,
    created_at: new Date(lease.created_at),
    expires_at: new Date(lease.expires_at),
    ended_at: lease.ended_at === null ? null : new Date(lease.ended_at),
  }));
  const jobs = row.jobs
    .map((job) => ({
      ...job,
      created_at: new Date(job.created_at),
      updated_at: new Date(job.updated_at),
      finished_at: job.finished_at === null ? null : new Date(job.finished_at),
    }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  // Only jobs with an item that was pending moved here, so a completed one was completed by this batch.
  const completedJobs = jobs.filter((job) => job.status === "completed");
  return { changed, wipedAccounts, revokedLeases, jobs, completedJobs };
}
