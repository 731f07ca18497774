import type { Authenticate } from "@warden/auth";
import { createAuthInterceptor } from "@warden/auth";
import { AccountsService } from "@warden/proto/accounts/v1";
import { AdminService } from "@warden/proto/admin/v1";
import { ConnectService } from "@warden/proto/connect/v1";
import { AuditService } from "@warden/proto/audit/v1";
import { JobsService } from "@warden/proto/jobs/v1";
import { LeasesService } from "@warden/proto/leases/v1";
import { SweeperService } from "@warden/proto/sweeper/v1";
import {
  createAuditLog,
  createRpcServer,
  type AuditLog,
  type HealthReporter,
  type RpcServer,
} from "@warden/rpc";
import type { Registry } from "prom-client";
import { createConnectCallback } from "./connect-callback.js";
import { createDashboardFiles } from "./dashboard-files.js";
import type { GatewayDeps } from "./gateway-deps.js";
import { createAccountsService } from "./handlers/accounts-service.js";
import { createAdminService } from "./handlers/admin-service.js";
import { createConnectService } from "./handlers/connect-service.js";
import { createAuditService } from "./handlers/audit-service.js";
import { createJobsService } from "./handlers/jobs-service.js";
import { createLeasesService } from "./handlers/leases-service.js";
import { createSweeperForwardingService } from "./handlers/sweeper-forwarding-service.js";

export interface GatewayServerDeps extends GatewayDeps {
  authenticate: Authenticate;
  health: HealthReporter;
  registry?: Registry;
  corsOrigins?: string[];
  /** Where calls are audited; main.ts passes its own to flush it on shutdown. Default: one on deps.db. */
  audit?: AuditLog;
}

/** Builds the gateway's RPC server (not listening): every service, auth, error mapping. Pure; tests use it. */
export function buildServer(deps: GatewayServerDeps): RpcServer {
  const connectCallback = createConnectCallback(deps);
  const dashboardFiles = createDashboardFiles({ logger: deps.logger });
  return createRpcServer({
    logger: deps.logger,
    health: deps.health,
    registry: deps.registry,
    corsOrigins: deps.corsOrigins,
    audit: deps.audit ?? createAuditLog({ db: deps.db, logger: deps.logger, registry: deps.registry }),
    interceptors: [createAuthInterceptor(deps.authenticate)],
    serveStatic: (req, res) => connectCallback(req, res) || dashboardFiles(req, res),
    routes: (router) => {
      router.service(AdminService, createAdminService(deps));
      router.service(AccountsService, createAccountsService(deps));
      router.service(JobsService, createJobsService(deps));
      router.service(LeasesService, createLeasesService(deps));
      router.service(ConnectService, createConnectService(deps));
      router.service(AuditService, createAuditService(deps));
      // Served by the sweeper; here so the dashboard (same origin only) can reach it.
      router.service(SweeperService, createSweeperForwardingService(deps));
    },
  });
}
