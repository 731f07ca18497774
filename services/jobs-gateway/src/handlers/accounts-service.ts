import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { AccountsService } from "@warden/proto/accounts/v1";
import type { GatewayDeps } from "../gateway-deps.js";
import { createAuthConfigHandlers } from "./auth-config-handlers.js";
import { createConnectedAccountHandlers } from "./connected-account-handlers.js";
import { createListProvidersHandler } from "./list-providers-handler.js";

/** AccountsService: auth configs and connected accounts, scoped to the caller's tenant. */
export function createAccountsService(deps: GatewayDeps): ServiceImpl<typeof AccountsService> {
  return {
    ...createAuthConfigHandlers(deps),
    ...createConnectedAccountHandlers(deps),
    ...createListProvidersHandler(),
    // Placeholder until UpdateAuthConfig lands in this release.
    updateAuthConfig() {
      throw new ConnectError("UpdateAuthConfig is not implemented yet", Code.Unimplemented);
    },
  };
}
