import { createAuthInterceptor, type Authenticate } from "@warden/auth";
import { SweeperService } from "@warden/proto/sweeper/v1";
import { createRpcServer, type HealthReporter, type RpcServer } from "@warden/rpc";
import type { Logger } from "@warden/logger";
import type { Registry } from "prom-client";
import { createSweeperService, type SweeperServiceDeps } from "./handlers/sweeper-service.js";

export interface SweeperServerDeps extends SweeperServiceDeps {
  authenticate: Authenticate;
  logger: Logger;
  health: HealthReporter;
  registry?: Registry;
}

/** Builds the sweeper's RPC server (not listening): SweeperService behind auth and error mapping. Pure; tests use it. */
export function buildServer(deps: SweeperServerDeps): RpcServer {
  return createRpcServer({
    logger: deps.logger,
    health: deps.health,
    registry: deps.registry,
    interceptors: [createAuthInterceptor(deps.authenticate)],
    routes: (router) => {
      router.service(SweeperService, createSweeperService(deps));
    },
  });
}
