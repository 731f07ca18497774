import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { AccountsService } from "@warden/proto/accounts/v1";
import type { GatewayDeps } from "../gateway-deps.js";
import { createAuthConfigHandlers } from "./auth-config-handlers.js";
import { createConnectedAccountHandlers } from "./connected-account-handlers.js";
import { createUpdateAuthConfigHandler } from "./update-auth-config-handler.js";

/** AccountsService: auth configs and connected accounts, scoped to the caller's tenant. */
export function createAccountsService(deps: GatewayDeps): ServiceImpl<typeof AccountsService> {
  return {
    ...createAuthConfigHandlers(deps),
    ...createConnectedAccountHandlers(deps),
    updateAuthConfig: createUpdateAuthConfigHandler(deps),
    // Placeholder until the provider catalog lands in this release.
    listProviders() {
      throw new ConnectError("ListProviders is not implemented yet", Code.Unimplemented);
    },
  };
}
