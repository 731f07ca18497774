import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { AccountsService, ClientAuth, type CreateAuthConfigRequestSchema } from "@warden/proto/accounts/v1";
import { AdminService } from "@warden/proto/admin/v1";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient } from "./test-clients.js";
import { startTestGateway, type TestGateway } from "./test-gateway.js";

let gateway: TestGateway;
let accounts: ReturnType<typeof connectClient<typeof AccountsService>>;
let admin: ReturnType<typeof connectClient<typeof AdminService>>;
let projectId: string;
let authConfigId: string;
let orgId: string;

beforeAll(async () => {
  gateway = await startTestGateway({ label: "badinput" });
  admin = connectClient(AdminService, gateway.url, gateway.adminKey);
  orgId = (await admin.createOrg({ name: "A" })).org!.id;
  projectId = (await admin.createProject({ orgId, name: "p" })).project!.id;
  const { apiKey } = await admin.createApiKey({ orgId, scopes: ["accounts:read", "accounts:write"] });
  accounts = connectClient(AccountsService, gateway.url, apiKey);
  authConfigId = (await accounts.createAuthConfig(authConfig({}))).authConfig!.id;
});

afterAll(async () => {
  await gateway?.close();
});

type AuthConfigInit = MessageInitShape<typeof CreateAuthConfigRequestSchema>;

function authConfig(overrides: AuthConfigInit): AuthConfigInit {
  return {
    projectId,
    name: "n",
    tokenUrl: "https://p.example.com/token",
    clientId: "c",
    clientSecret: "s",
    clientAuth: ClientAuth.POST,
    ...overrides,
  };
}

async function rowCounts() {
  const { rows } = await sql<{ t: string; n: number }>`
    select 'orgs' t, count(*)::int n from orgs union all select 'projects', count(*)::int from projects
    union all select 'api_keys', count(*)::int from api_keys union all select 'auth_configs', count(*)::int from auth_configs
    union all select 'accounts', count(*)::int from connected_accounts`.execute(gateway.deps.db);
  return Object.fromEntries(rows.map((r) => [r.t, r.n]));
}

async function expectInvalid(field: string, call: () => Promise<unknown>) {
  const before = await rowCounts();
  let error: ConnectError | undefined;
  try {
    await call();
  } catch (e) {
    error = ConnectError.from(e);
  }
  expect(error?.code, `${field}: ${error?.rawMessage}`).toBe(Code.InvalidArgument);
  expect(error?.rawMessage).toContain(field);
  expect(await rowCounts()).toEqual(before);
}

const validId = (prefix: string) => `${prefix}_${"0".repeat(26)}`;

describe("bad input is INVALID_ARGUMENT naming the field, and leaves no row behind", () => {
  it.each([
    ["malformed id", "account_id", () => accounts.getConnectedAccount({ accountId: "ca_nope" })],
    ["wrong prefix", "account_id", () => accounts.getConnectedAccount({ accountId: validId("ac") })],
    ["empty id", "auth_config_id", () => accounts.getAuthConfig({ authConfigId: "" })],
    [
      "wrong prefix on delete",
      "auth_config_id",
      () => accounts.deleteAuthConfig({ authConfigId: validId("ca") }),
    ],
    ["org id with project prefix", "org_id", () => admin.createProject({ orgId: validId("prj"), name: "x" })],
    ["empty org name", "name", () => admin.createOrg({ name: "   " })],
    ["oversized org name", "name", () => admin.createOrg({ name: "x".repeat(201) })],
    [
      "unknown scope",
      "scopes[0]",
      () => admin.createApiKey({ orgId: validId("org"), scopes: ["accounts:delete"] }),
    ],
    ["no scopes", "scopes", () => admin.createApiKey({ orgId: validId("org"), scopes: [] })],
    ["key id prefix", "key_id", () => admin.revokeApiKey({ keyId: validId("org") })],
    ["malformed cursor", "cursor", () => accounts.listConnectedAccounts({ cursor: "not-a-cursor" })],
    [
      "plain http token_url",
      "token_url",
      () => accounts.createAuthConfig(authConfig({ tokenUrl: "http://p.example.com/token" })),
    ],
    [
      "plain http revoke_url",
      "revoke_url",
      () => accounts.createAuthConfig(authConfig({ revokeUrl: "http://p.example.com/revoke" })),
    ],
    [
      "metadata token_url",
      "token_url",
      () => accounts.createAuthConfig(authConfig({ tokenUrl: "http://169.254.169.254/latest" })),
    ],
    [
      "link-local revoke_url",
      "revoke_url",
      () => accounts.createAuthConfig(authConfig({ revokeUrl: "https://[fe80::1]/revoke" })),
    ],
    [
      "gce metadata host",
      "token_url",
      () => accounts.createAuthConfig(authConfig({ tokenUrl: "https://metadata.google.internal/x" })),
    ],
    [
      "empty client secret",
      "client_secret",
      () => accounts.createAuthConfig(authConfig({ clientSecret: "" })),
    ],
    [
      "unspecified client auth",
      "client_auth",
      () => accounts.createAuthConfig(authConfig({ clientAuth: ClientAuth.UNSPECIFIED })),
    ],
    [
      "oversized client id",
      "client_id",
      () => accounts.createAuthConfig(authConfig({ clientId: "c".repeat(513) })),
    ],
    [
      "empty external user",
      "external_user_id",
      () => accounts.createConnectedAccount({ authConfigId, externalUserId: "", accessToken: "a" }),
    ],
    [
      "empty access token",
      "access_token",
      () => accounts.createConnectedAccount({ authConfigId, externalUserId: "u", accessToken: "" }),
    ],
    [
      "oversized token",
      "refresh_token",
      () =>
        accounts.createConnectedAccount({
          authConfigId,
          externalUserId: "u",
          accessToken: "a",
          refreshToken: "r".repeat(9000),
        }),
    ],
    [
      "expiry out of range",
      "expires_at",
      () =>
        accounts.createConnectedAccount({
          authConfigId,
          externalUserId: "u",
          accessToken: "a",
          expiresAt: timestampFromDate(new Date("1970-01-02")),
        }),
    ],
    [
      "one bad message at the end of an import",
      "accounts[2].access_token",
      () =>
        accounts.importConnectedAccounts(
          (async function* () {
            yield { authConfigId, externalUserId: "i0", accessToken: "a" };
            yield { authConfigId, externalUserId: "i1", accessToken: "a" };
            yield { authConfigId, externalUserId: "i2", accessToken: "" };
          })(),
        ),
    ],
    [
      "a duplicate user inside one import",
      "accounts[1].external_user_id",
      () =>
        accounts.importConnectedAccounts(
          (async function* () {
            yield { authConfigId, externalUserId: "dup", accessToken: "a" };
            yield { authConfigId, externalUserId: "dup", accessToken: "a" };
          })(),
        ),
    ],
  ])("%s", async (_name, field, call) => {
    await expectInvalid(field, call as () => Promise<unknown>);
  });

  it("a cursor issued for one list is refused by another", async () => {
    for (let i = 0; i < 3; i++)
      await accounts.createConnectedAccount({ authConfigId, externalUserId: `c${i}`, accessToken: "a" });
    const { nextCursor } = await accounts.listConnectedAccounts({ pageSize: 1 });
    expect(nextCursor).not.toBe("");
    await expectInvalid("cursor", () =>
      accounts.listConnectedAccounts({ pageSize: 1, cursor: nextCursor, authConfigId }),
    );
    await expectInvalid("cursor", () => accounts.listAuthConfigs({ cursor: nextCursor }));
  });
});

describe("NUL and control characters in text are INVALID_ARGUMENT naming the field, and reach no table", () => {
  const nul = "a\u0000b";
  it.each([
    ["NUL in an org name", "name", () => admin.createOrg({ name: nul })],
    ["a newline in an org name", "name", () => admin.createOrg({ name: "a\nb" })],
    ["a trailing newline in an org name", "name", () => admin.createOrg({ name: "ab\n" })],
    ["escape in a project name", "name", () => admin.createProject({ orgId, name: "a\u001b[31mb" })],
    ["a C1 control in a project name", "name", () => admin.createProject({ orgId, name: "a\u0085b" })],
    ["NUL in an auth config name", "name", () => accounts.createAuthConfig(authConfig({ name: nul }))],
    ["NUL in a client id", "client_id", () => accounts.createAuthConfig(authConfig({ clientId: nul }))],
    [
      "NUL in a client secret",
      "client_secret",
      () => accounts.createAuthConfig(authConfig({ clientSecret: "sec\u0000ret" })),
    ],
    [
      "NUL in a default scope",
      "default_scopes[1]",
      () => accounts.createAuthConfig(authConfig({ defaultScopes: ["ok", nul] })),
    ],
    [
      "a tab in a token URL",
      "token_url",
      () => accounts.createAuthConfig(authConfig({ tokenUrl: "https://p.example.com/to\tken" })),
    ],
    [
      "NUL in a revoke URL",
      "revoke_url",
      () => accounts.createAuthConfig(authConfig({ revokeUrl: "https://p.example.com/re\u0000voke" })),
    ],
    [
      "NUL in an external user id",
      "external_user_id",
      () => accounts.createConnectedAccount({ authConfigId, externalUserId: nul, accessToken: "a" }),
    ],
    [
      "NUL in an access token",
      "access_token",
      () => accounts.createConnectedAccount({ authConfigId, externalUserId: "u", accessToken: nul }),
    ],
    [
      "DEL in a refresh token",
      "refresh_token",
      () =>
        accounts.createConnectedAccount({
          authConfigId,
          externalUserId: "u",
          accessToken: "a",
          refreshToken: "r\u007f",
        }),
    ],
  ])("%s", async (_name, field, call) => {
    await expectInvalid(field, call as () => Promise<unknown>);
  });

  it("never echoes the refused secret in the error or the log", async () => {
    const secret = "sk_live_NULTEST\u0000tail";
    const error = ConnectError.from(
      await accounts.createAuthConfig(authConfig({ clientSecret: secret })).catch((e: unknown) => e),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).not.toContain("sk_live_NULTEST");
    expect(gateway.logLines.join("")).not.toContain("sk_live_NULTEST");
  });

  it("never lets PostgreSQL see a NUL (no INTERNAL, no 'invalid byte sequence' in the log)", () => {
    expect(gateway.logLines.join("")).not.toContain("invalid byte sequence");
    expect(gateway.logLines.join("")).not.toMatch(/"level":50/);
  });
});
