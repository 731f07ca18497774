import type { Database, RevokeJobRow, ScopeKindColumn } from "@warden/db";
import { newId } from "@warden/ids";
import type { Logger } from "@warden/logger";
import type { Kysely } from "kysely";
import type { RevokeJobPublisher } from "./revoke-job-publisher.js";
import { findInFlightJob, insertRevokeJob, isInFlightConflict } from "./revoke-jobs.repository.js";

// A conflicting job can finish between our failed insert and our read of it;
// then the insert is simply tried again. More than a few rounds means
// something is churning jobs for this scope, and the caller should retry.
const MAX_ROUNDS = 5;

/** A scope to revoke, already resolved to the org/project it belongs to (and checked by the caller). */
export interface RevokeJobRequest {
  scopeKind: ScopeKindColumn;
  scopeId: string;
  orgId: string;
  /** Null for an org scope. */
  projectId: string | null;
  force: boolean;
}

/** The scope's job: the one just created, or the one already in flight (created false). */
export interface StartedRevokeJob {
  job: RevokeJobRow;
  created: boolean;
}

/**
 * Creates the revoke job for a scope (`oj_` for an org scope, `pj_` otherwise;
 * status planning, run 1) with its `created` event (outbox, same transaction)
 * and publishes its plan; or, when
 * the scope has a job in flight, returns that one with created false and
 * publishes nothing. The partial unique index revoke_jobs_in_flight_uq makes
 * this exact under any number of concurrent callers. A publish failure is
 * logged, not thrown: the job is durable and jobs-recovery re-publishes its
 * plan. Resolves undefined when jobs of the scope kept finishing between
 * attempts (the caller should retry later).
 */
export async function startOrJoinRevokeJob(
  deps: { db: Kysely<Database>; publisher: RevokeJobPublisher; logger: Logger },
  request: RevokeJobRequest,
): Promise<StartedRevokeJob | undefined> {
  const { db, publisher, logger } = deps;
  const { scopeKind, scopeId, orgId, projectId, force } = request;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let job: RevokeJobRow;
    try {
      // The job and its `created` event commit together.
      job = await db.transaction().execute(async (trx) => {
        const inserted = await insertRevokeJob(trx, {
          id: newId(scopeKind === "org" ? "orgJob" : "projectJob"),
          org_id: orgId,
          project_id: projectId,
          scope_kind: scopeKind,
          scope_id: scopeId,
          status: "planning",
          run: 1,
          force,
          plan_cursor: null,
          published_cursor: null,
          finished_at: null,
        });
        await publisher.enqueueJobEvent(trx, inserted, "created");
        return inserted;
      });
    } catch (error) {
      if (!isInFlightConflict(error)) throw error;
      const inFlight = await findInFlightJob(db, scopeKind, scopeId);
      if (inFlight) return { job: inFlight, created: false };
      continue;
    }
    logger.info({ jobId: job.id, scopeKind, scopeId, orgId, force }, "revoke job created");
    await publisher.publishPlan(job);
    return { job, created: true };
  }
  return undefined;
}
