import type { Authenticate } from "@warden/auth";
import { createAuthInterceptor } from "@warden/auth";
import { AccountsService } from "@warden/proto/accounts/v1";
import { AdminService } from "@warden/proto/admin/v1";
import { createRpcServer, type HealthReporter, type RpcServer } from "@warden/rpc";
import type { Registry } from "prom-client";
import type { GatewayDeps } from "./gateway-deps.js";
import { createAccountsService } from "./handlers/accounts-service.js";
import { createAdminService } from "./handlers/admin-service.js";

export interface GatewayServerDeps extends GatewayDeps {
  authenticate: Authenticate;
  health: HealthReporter;
  registry?: Registry;
  corsOrigins?: string[];
}

/** Builds the gateway's RPC server (not listening): every service, auth, error mapping. Pure; tests use it. */
export function buildServer(deps: GatewayServerDeps): RpcServer {
  return createRpcServer({
    logger: deps.logger,
    health: deps.health,
    registry: deps.registry,
    corsOrigins: deps.corsOrigins,
    interceptors: [createAuthInterceptor(deps.authenticate)],
    routes: (router) => {
      router.service(AdminService, createAdminService(deps));
      router.service(AccountsService, createAccountsService(deps));
    },
  });
}
