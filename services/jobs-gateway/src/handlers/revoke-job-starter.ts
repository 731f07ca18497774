import { canSee, type Principal } from "@warden/auth";
import { busNames } from "@warden/bus";
import type { RevokeJobRow } from "@warden/db";
import { notFound, unavailable } from "@warden/errors";
import { createRevokeJobPublisher, startOrJoinRevokeJob, type RevokeJobPublisher } from "@warden/revoke-jobs";
import type { GatewayDeps, RevokeScope, StartOrJoinRevokeJob } from "../gateway-deps.js";
import { findScopePlace } from "../repositories/jobs.repository.js";

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

/**
 * Builds the one code path that creates revoke jobs (CreateRevokeJob and
 * revoke_on_delete share it): the caller's view of the scope is checked here
 * (NOT_FOUND when invisible), the job itself is started by @warden/revoke-jobs.
 */
export function createRevokeJobStarter(
  deps: Pick<GatewayDeps, "db" | "logger">,
  publisher: RevokeJobPublisher,
): RevokeJobStarter {
  const { db, logger } = deps;

  async function start(principal: Principal, scope: RevokeScope, force: boolean) {
    const place = await findScopePlace(db, scope.kind, scope.id);
    // An org scope has no project, so a project-bound key never sees it.
    if (!place || !canSee(principal, place)) throw notFound(SCOPE_NOUN[scope.kind], scope.id);
    const started = await startOrJoinRevokeJob(
      { db, publisher, logger },
      { scopeKind: scope.kind, scopeId: scope.id, orgId: place.orgId, projectId: place.projectId, force },
    );
    if (!started)
      throw unavailable(`the ${SCOPE_NOUN[scope.kind]} ${scope.id} kept changing revoke jobs; retry`);
    return started;
  }

  return {
    start,
    startOrJoin: async (principal, scope) => (await start(principal, scope, false)).job.id,
  };
}

/** The revoke-job publisher of the gateway: plans and job events on the namespace's subjects, 3 s bounded. */
export function createGatewayRevokeJobPublisher(
  deps: Pick<GatewayDeps, "bus" | "namespace" | "logger">,
): RevokeJobPublisher {
  return createRevokeJobPublisher({ bus: deps.bus, names: busNames(deps.namespace), logger: deps.logger });
}

/** The startOrJoinRevokeJob that main.ts and the test gateway hand to the delete RPCs. */
export function createStartOrJoinRevokeJob(
  deps: Pick<GatewayDeps, "db" | "logger" | "bus" | "namespace">,
): StartOrJoinRevokeJob {
  return createRevokeJobStarter(deps, createGatewayRevokeJobPublisher(deps)).startOrJoin;
}
