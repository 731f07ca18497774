import { createAuthInterceptor, type Authenticate } from "@warden/auth";
import { SweeperService } from "@warden/proto/sweeper/v1";
import {
  createAuditLog,
  createRpcServer,
  type AuditLog,
  type HealthReporter,
  type RpcServer,
} from "@warden/rpc";
import type { Logger } from "@warden/logger";
import type { Registry } from "prom-client";
import { createSweeperService, type SweeperServiceDeps } from "./handlers/sweeper-service.js";

export interface SweeperServerDeps extends SweeperServiceDeps {
  authenticate: Authenticate;
  logger: Logger;
  health: HealthReporter;
  registry?: Registry;
  /** Where manual task runs are audited; main.ts passes its own to flush it on shutdown. Default: one on deps.db. */
  audit?: AuditLog;
}

/** Builds the sweeper's RPC server (not listening): SweeperService behind auth and error mapping. Pure; tests use it. */
export function buildServer(deps: SweeperServerDeps): RpcServer {
  return createRpcServer({
    logger: deps.logger,
    health: deps.health,
    registry: deps.registry,
    audit: deps.audit ?? createAuditLog({ db: deps.db, logger: deps.logger, registry: deps.registry }),
    interceptors: [createAuthInterceptor(deps.authenticate)],
    routes: (router) => {
      router.service(SweeperService, createSweeperService(deps));
    },
  });
}
