import { createAuthInterceptor, type Authenticate } from "@warden/auth";
import type { Logger } from "@warden/logger";
import { TokensService } from "@warden/proto/tokens/v1";
import {
  createAuditLog,
  createRpcServer,
  type AuditLog,
  type HealthReporter,
  type RpcServer,
} from "@warden/rpc";
import type { Registry } from "prom-client";
import { createTokensService } from "./handlers/tokens-service.js";
import type { TokenRefreshDeps } from "./token-refresh-deps.js";

export interface TokenRefreshServerDeps extends TokenRefreshDeps {
  logger: Logger;
  /** Must accept lease tokens (createAuthenticator({ acceptLeaseTokens: true })). */
  authenticate: Authenticate;
  health: HealthReporter;
  registry?: Registry;
  /** Where token reads are audited; main.ts passes its own to flush it on shutdown. Default: one on deps.db. */
  audit?: AuditLog;
}

/** Builds token-refresh's RPC server (not listening): TokensService, auth, error mapping, health. Pure; tests use it. */
export function buildServer(deps: TokenRefreshServerDeps): RpcServer {
  return createRpcServer({
    logger: deps.logger,
    health: deps.health,
    registry: deps.registry,
    audit: deps.audit ?? createAuditLog({ db: deps.db, logger: deps.logger, registry: deps.registry }),
    interceptors: [createAuthInterceptor(deps.authenticate)],
    routes: (router) => {
      router.service(TokensService, createTokensService(deps));
    },
  });
}
