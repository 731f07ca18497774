import type { ServiceImpl } from "@connectrpc/connect";
import type { JobsService } from "@warden/proto/jobs/v1";
import type { GatewayDeps } from "../gateway-deps.js";
import { createJobCommandHandlers } from "./job-command-handlers.js";
import { createJobQueryHandlers } from "./job-query-handlers.js";
import { createJobWatchHandler } from "./job-watch-handler.js";
import { createPoolStatusHandler } from "./pool-status-handler.js";
import { createGatewayRevokeJobPublisher, createRevokeJobStarter } from "./revoke-job-starter.js";

/** JobsService: batch revoke jobs, their ledgers and the executor pool, scoped to the caller's tenant. */
export function createJobsService(deps: GatewayDeps): ServiceImpl<typeof JobsService> {
  const publisher = createGatewayRevokeJobPublisher(deps);
  const starter = createRevokeJobStarter(deps, publisher);
  return {
    ...createJobCommandHandlers(deps, starter, publisher),
    ...createJobQueryHandlers(deps),
    watchRevokeJob: createJobWatchHandler(deps),
    getPoolStatus: createPoolStatusHandler(deps),
  };
}
