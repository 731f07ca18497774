import { canSee, type Principal } from "@warden/auth";
import type { RevokeJobRow } from "@warden/db";
import { notFound, unavailable } from "@warden/errors";
import { newId } from "@warden/ids";
import type { GatewayDeps, RevokeScope, StartOrJoinRevokeJob } from "../gateway-deps.js";
import {
  findInFlightJob,
  findScopePlace,
  insertJob,
  isInFlightConflict,
} from "../repositories/jobs.repository.js";
import { createRevokeJobPublisher, type RevokeJobPublisher } from "../revoke-job-publisher.js";

// A conflicting job can finish between our failed insert and our read of it;
// then the insert is simply tried again. More than a few rounds means
// something is churning jobs for this scope, and the caller should retry.
const MAX_ROUNDS = 5;

const SCOPE_NOUN: Record<RevokeScope["kind"], string> = {
  org: "org",
  project: "project",
  auth_config: "auth config",
  connected_account: "connected account",
};

export interface RevokeJobStarter {
  /**
   * Creates the job for a scope the principal can see and publishes its plan
   * and `created` event; or, when the scope has a job in flight, returns that
   * one with created false. The partial unique index makes this exact under
   * any number of concurrent callers.
   */
  start(
    principal: Principal,
    scope: RevokeScope,
    force: boolean,
  ): Promise<{ job: RevokeJobRow; created: boolean }>;
  /** The revoke-on-delete entry point: the id of the new or joined in-flight job. */
  startOrJoin: StartOrJoinRevokeJob;
}

/** Builds the one code path that creates revoke jobs (CreateRevokeJob and revoke_on_delete share it). */
export function createRevokeJobStarter(
  deps: Pick<GatewayDeps, "db" | "logger">,
  publisher: RevokeJobPublisher,
): RevokeJobStarter {
  const { db, logger } = deps;

  async function start(principal: Principal, scope: RevokeScope, force: boolean) {
    const place = await findScopePlace(db, scope.kind, scope.id);
    // An org scope has no project, so a project-bound key never sees it.
    if (!place || !canSee(principal, place)) throw notFound(SCOPE_NOUN[scope.kind], scope.id);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      let job: RevokeJobRow;
      try {
        job = await insertJob(db, {
          id: newId(scope.kind === "org" ? "orgJob" : "projectJob"),
          org_id: place.orgId,
          project_id: place.projectId,
          scope_kind: scope.kind,
          scope_id: scope.id,
          status: "planning",
          run: 1,
          force,
          plan_cursor: null,
          finished_at: null,
        });
      } catch (error) {
        if (!isInFlightConflict(error)) throw error;
        const inFlight = await findInFlightJob(db, scope.kind, scope.id);
        if (inFlight) return { job: inFlight, created: false };
        continue;
      }
      logger.info(
        { jobId: job.id, scopeKind: scope.kind, scopeId: scope.id, orgId: place.orgId, force },
        "revoke job created",
      );
      await publisher.publishPlan(job);
      await publisher.publishJobEvent(job, "created");
      return { job, created: true };
    }
    throw unavailable(`the ${SCOPE_NOUN[scope.kind]} ${scope.id} kept changing revoke jobs; retry`);
  }

  return {
    start,
    startOrJoin: async (principal, scope) => (await start(principal, scope, false)).job.id,
  };
}

/** The startOrJoinRevokeJob that main.ts and the test gateway hand to the delete RPCs. */
export function createStartOrJoinRevokeJob(
  deps: Pick<GatewayDeps, "db" | "logger" | "bus" | "namespace">,
): StartOrJoinRevokeJob {
  return createRevokeJobStarter(deps, createRevokeJobPublisher(deps)).startOrJoin;
}
