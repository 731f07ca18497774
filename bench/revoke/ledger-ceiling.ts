import type { Database } from "@warden/db";
import { writeOutcomes, type LedgerOutcome } from "@warden/revoke-executor";
import type { SeededProject } from "@warden/revoke-executor/testing";
import { insertJob } from "@warden/revoke-executor/testing";
import { sql, type Kysely } from "kysely";

/**
 * Items per second written by the executor's own batched ledger transaction
 * (final status + wipe + leases + counters), batches of `batch` with two
 * transactions at once, as the executor runs them; no provider, no NATS.
 */
export async function ledgerRate(
  db: Kysely<Database>,
  project: SeededProject,
  batch: number,
): Promise<number> {
  const jobId = await insertJob(db, {
    kind: "project",
    id: project.projectId,
    orgId: project.orgId,
    projectId: project.projectId,
  });
  const ids = project.accounts.map((a) => a.id);
  await sql`insert into revoke_items (job_id, account_id, auth_config_id, run, status, updated_at)
            select ${jobId}, id, ${project.authConfigId}, 1, 'pending', now() from unnest(${ids}::text[]) as id`.execute(
    db,
  );
  await sql`update revoke_jobs set status = 'running', total = ${ids.length}, pending = ${ids.length} where id = ${jobId}`.execute(
    db,
  );
  const outcomes: LedgerOutcome[] = ids.map((accountId) => ({
    kind: "final",
    jobId,
    accountId,
    run: 1,
    status: "revoked",
    attempts: 1,
    errorCode: null,
    errorMessage: null,
    wipe: true,
    confirmedUpstream: true,
  }));
  const batches: LedgerOutcome[][] = [];
  for (let i = 0; i < outcomes.length; i += batch) batches.push(outcomes.slice(i, i + batch));
  const started = performance.now();
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (next < batches.length) await writeOutcomes(db, batches[next++]!);
    }),
  );
  return ids.length / ((performance.now() - started) / 1000);
}
