import { Code, ConnectError } from "@connectrpc/connect";
import type { ClientAuthColumn, ResponseStyleColumn } from "@warden/db";
import { DIALECT_PATHS, startMockProvider, type MockDialect, type MockProvider } from "@warden/mock-provider";
import { TokenFailureSchema } from "@warden/proto/tokens/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedAccount, seedTenant, type TestTenant } from "../test-fixtures.js";
import {
  openTestInfrastructure,
  startTestTokenRefresh,
  tokensClient,
  type TestInfrastructure,
  type TestTokenRefresh,
} from "../test-token-refresh.js";

let infra: TestInfrastructure;
let provider: MockProvider;
let service: TestTokenRefresh;
const secrets: string[] = [];

beforeAll(async () => {
  infra = await openTestInfrastructure("refresh_dialects");
  provider = await startMockProvider({ clientSecret: "dialect-client-secret-a81c" });
  service = await startTestTokenRefresh(infra);
  secrets.push(provider.clientSecret);
});

afterAll(async () => {
  const logs = infra.logLines.join("\n");
  for (const secret of secrets) expect(logs).not.toContain(secret);
  await service?.close();
  await provider?.close();
  await infra?.close();
});

interface Dialect {
  provider: string | null;
  path: string;
  style: ResponseStyleColumn;
  dialect?: MockDialect;
}

const DIALECTS: Record<string, Dialect> = {
  rfc6749: { provider: null, path: "/oauth/token", style: "rfc6749" },
  slack: { provider: "slack", path: DIALECT_PATHS.slack.token, style: "slack", dialect: "slack" },
  github: { provider: "github", path: DIALECT_PATHS.github.token, style: "error_in_200", dialect: "github" },
  dropbox: { provider: "dropbox", path: DIALECT_PATHS.dropbox.token, style: "rfc6749", dialect: "dropbox" },
  hubspot: { provider: "hubspot", path: DIALECT_PATHS.hubspot.token, style: "rfc6749", dialect: "hubspot" },
  google: { provider: "google", path: DIALECT_PATHS.google.token, style: "rfc6749", dialect: "google" },
};

/** A tenant whose auth config speaks `dialect` (as CreateAuthConfig{provider} would store it). */
async function tenantFor(
  dialect: Dialect,
  clientSecret = provider.clientSecret,
  clientAuth: ClientAuthColumn = "post",
) {
  const tenant = await seedTenant(infra.database.db, infra.keyring, {
    tokenUrl: provider.url + dialect.path,
    clientId: provider.clientId,
    clientSecret,
    clientAuth: clientAuth === "none" ? "post" : clientAuth,
  });
  await infra.database.db
    .updateTable("auth_configs")
    .set({ provider: dialect.provider, response_style: dialect.style })
    .where("id", "=", tenant.authConfigId)
    .execute();
  return tenant;
}

async function account(tenant: TestTenant, refresh = provider.issueTokens().refresh_token) {
  secrets.push(refresh);
  return seedAccount(infra.database.db, infra.keyring, tenant, {
    access: "at-expired",
    refresh,
    expiresAt: new Date(Date.now() - 60_000),
  });
}

async function failureOf(tenant: TestTenant, accountId: string) {
  try {
    await tokensClient(service.url, tenant.apiKey).getAccessToken({ accountId, minValidSeconds: 60 });
    return undefined;
  } catch (error) {
    const connectError = ConnectError.from(error);
    return { code: connectError.code, detail: connectError.findDetails(TokenFailureSchema)[0] };
  }
}

async function statusOf(accountId: string) {
  return infra.database.db
    .selectFrom("connected_accounts")
    .select(["status", "status_reason"])
    .where("id", "=", accountId)
    .executeTakeFirstOrThrow();
}

describe("refresh in every dialect", () => {
  it.each(Object.entries(DIALECTS))(
    "%s: an expired token is refreshed through its token endpoint",
    async (_name, dialect) => {
      const tenant = await tenantFor(dialect);
      const id = await account(tenant);
      const before = dialect.dialect ? provider.counters.byDialect[dialect.dialect].tokenCalls : 0;
      const answer = await tokensClient(service.url, tenant.apiKey).getAccessToken({
        accountId: id,
        minValidSeconds: 60,
      });
      secrets.push(answer.accessToken);
      expect(answer.refreshed).toBe(true);
      if (dialect.dialect) expect(provider.counters.byDialect[dialect.dialect].tokenCalls).toBe(before + 1);
    },
  );

  it("Slack: HTTP 200 ok:false invalid_refresh_token marks the account NEEDS_RECONNECT", async () => {
    const tenant = await tenantFor(DIALECTS.slack!);
    const id = await account(tenant, "rt_not_a_live_token");
    expect(await failureOf(tenant, id)).toMatchObject({
      code: Code.FailedPrecondition,
      detail: { reason: "NEEDS_RECONNECT", providerError: "invalid_refresh_token" },
    });
    expect(await statusOf(id)).toEqual({ status: "needs_reconnect", status_reason: "invalid_refresh_token" });
  });

  it("GitHub: HTTP 200 with bad_refresh_token is terminal for the account because the catalog says so", async () => {
    const tenant = await tenantFor(DIALECTS.github!);
    const id = await account(tenant);
    provider.configure({ forceError: { token: { status: 400, error: "bad_refresh_token", times: 1 } } });
    expect(await failureOf(tenant, id)).toMatchObject({
      code: Code.FailedPrecondition,
      detail: { reason: "NEEDS_RECONNECT", providerError: "bad_refresh_token" },
    });
    expect((await statusOf(id)).status).toBe("needs_reconnect");
  });

  it("an auth config without a catalog provider does not blame the account for a code only the catalog knows", async () => {
    const tenant = await tenantFor({ ...DIALECTS.github!, provider: null });
    const id = await account(tenant);
    provider.configure({ forceError: { token: { status: 400, error: "bad_refresh_token", times: 1 } } });
    expect((await failureOf(tenant, id))?.code).toBe(Code.Unavailable);
    expect((await statusOf(id)).status).toBe("active");
  });

  it.each([
    ["github", "incorrect_client_credentials"],
    ["slack", "bad_client_secret"],
    ["hubspot", "BAD_CLIENT_SECRET"],
  ])("%s: an app-level %s is cached per auth config, not blamed on its accounts", async (name, code) => {
    const dialect = DIALECTS[name]!;
    const tenant = await tenantFor(dialect);
    const first = await account(tenant);
    const second = await account(tenant);
    provider.configure({ forceError: { token: { status: 401, error: code, times: 1 } } });
    expect(await failureOf(tenant, first)).toMatchObject({
      code: Code.FailedPrecondition,
      detail: { reason: "APP_MISCONFIGURED", providerError: code },
    });
    const calls = provider.counters.byDialect[dialect.dialect!].tokenCalls;
    // The second account fails at once from the auth config's cached failure: no provider call.
    expect(await failureOf(tenant, second)).toMatchObject({ detail: { reason: "APP_MISCONFIGURED" } });
    expect(provider.counters.byDialect[dialect.dialect!].tokenCalls).toBe(calls);
    expect((await statusOf(first)).status).toBe("active");
    expect((await statusOf(second)).status).toBe("active");
  });
});
