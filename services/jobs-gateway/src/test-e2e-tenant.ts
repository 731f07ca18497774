// Test support (not a test): a tenant set up only through the public API of a
// running gateway, as an operator and an integrator would do it.
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { MockProvider, SeedTokens } from "@warden/mock-provider";
import { AccountsService, ClientAuth } from "@warden/proto/accounts/v1";
import { AdminService } from "@warden/proto/admin/v1";
import { connectClient } from "./test-clients.js";

// Re-exported so e2e tests of services without @warden/mock-provider among their
// dev dependencies (the sweeper) start the same provider the gateway's tests use.
export { startMockProvider } from "@warden/mock-provider";
export type { MockProvider } from "@warden/mock-provider";

/** Every scope an API key can carry. */
export const ALL_SCOPES = [
  "accounts:read",
  "accounts:write",
  "jobs:read",
  "jobs:write",
  "leases:read",
  "leases:write",
  "tokens:read",
];

/** An org, one project, an org-wide key with every scope, and an auth config on a mock provider. */
export interface E2eTenant {
  orgId: string;
  projectId: string;
  authConfigId: string;
  apiKey: string;
}

/** Creates a tenant through AdminService and AccountsService of the gateway at `gatewayUrl`. */
export async function createTenantThroughApi(
  gatewayUrl: string,
  adminKey: string,
  provider: MockProvider,
): Promise<E2eTenant> {
  const admin = connectClient(AdminService, gatewayUrl, adminKey);
  const { org } = await admin.createOrg({ name: "e2e" });
  const { project } = await admin.createProject({ orgId: org!.id, name: "e2e" });
  const { apiKey } = await admin.createApiKey({ orgId: org!.id, scopes: ALL_SCOPES });
  const accounts = connectClient(AccountsService, gatewayUrl, apiKey);
  const { authConfig } = await accounts.createAuthConfig({
    projectId: project!.id,
    name: "mock provider",
    tokenUrl: provider.tokenUrl,
    revokeUrl: provider.revokeUrl,
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
    clientAuth: ClientAuth.BASIC,
  });
  return { orgId: org!.id, projectId: project!.id, authConfigId: authConfig!.id, apiKey };
}

/** Connects one account holding tokens `provider` issued, its access token expiring at `expiresAt`. */
export async function connectAccountThroughApi(
  gatewayUrl: string,
  tenant: E2eTenant,
  provider: MockProvider,
  externalUserId: string,
  expiresAt: Date,
): Promise<{ id: string; tokens: SeedTokens }> {
  const tokens = provider.issueTokens({ subject: externalUserId });
  const accounts = connectClient(AccountsService, gatewayUrl, tenant.apiKey);
  const { account } = await accounts.createConnectedAccount({
    authConfigId: tenant.authConfigId,
    externalUserId,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    expiresAt: timestampFromDate(expiresAt),
  });
  return { id: account!.id, tokens };
}
