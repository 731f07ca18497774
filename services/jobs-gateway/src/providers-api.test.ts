import { toJsonString } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  AccountsService,
  AuthConfigSchema,
  ClientAuth,
  ResponseStyle,
  RevokeMethod,
} from "@warden/proto/accounts/v1";
import { AdminService } from "@warden/proto/admin/v1";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient } from "./test-clients.js";
import { startTestGateway, type TestGateway } from "./test-gateway.js";

const SECRET = "gh-client-secret-7d1e";
const TOPICS = ["authorize", "token", "revoke", "refresh", "errors"];

let gateway: TestGateway;
let accounts: ReturnType<typeof connectClient<typeof AccountsService>>;
let jobsOnly: ReturnType<typeof connectClient<typeof AccountsService>>;
let projectId: string;

beforeAll(async () => {
  gateway = await startTestGateway({ label: "providers" });
  const admin = connectClient(AdminService, gateway.url, gateway.adminKey);
  const orgId = (await admin.createOrg({ name: "A" })).org!.id;
  projectId = (await admin.createProject({ orgId, name: "p" })).project!.id;
  const { apiKey } = await admin.createApiKey({
    orgId,
    projectId,
    scopes: ["accounts:read", "accounts:write"],
  });
  accounts = connectClient(AccountsService, gateway.url, apiKey);
  const other = await admin.createApiKey({ orgId, projectId, scopes: ["jobs:read"] });
  jobsOnly = connectClient(AccountsService, gateway.url, other.apiKey);
});

afterAll(async () => {
  await gateway?.close();
});

async function authConfigCount(): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int n from auth_configs`.execute(
    gateway.deps.db,
  );
  return rows[0]!.n;
}

async function expectInvalid(field: string, call: () => Promise<unknown>) {
  const before = await authConfigCount();
  const error = await call().then(
    () => undefined,
    (e: unknown) => ConnectError.from(e),
  );
  expect(error?.code).toBe(Code.InvalidArgument);
  expect(error?.rawMessage).toContain(field);
  expect(await authConfigCount()).toBe(before);
}

describe("ListProviders", () => {
  it("returns at least the 15 catalog providers, each with https endpoints and a doc URL per fact", async () => {
    const { providers } = await accounts.listProviders({});
    expect(providers.length).toBeGreaterThanOrEqual(15);
    for (const provider of providers) {
      expect(provider.tokenUrl).toMatch(/^https:\/\//);
      expect(provider.authorizeUrl).toMatch(/^https:\/\//);
      for (const topic of TOPICS) {
        const source = provider.sources.find((s) => s.topic === topic);
        expect({ provider: provider.id, topic, url: source?.url }).toMatchObject({
          url: expect.stringMatching(/^https:\/\//),
        });
      }
    }
    const github = providers.find((p) => p.id === "github")!;
    expect(github).toMatchObject({
      revokeMethod: RevokeMethod.GITHUB,
      responseStyle: ResponseStyle.ERROR_IN_200,
      rotatesRefreshTokens: true,
    });
    expect(github.accountTerminalErrors).toContain("bad_refresh_token");
    const microsoft = providers.find((p) => p.id === "microsoft")!;
    expect(microsoft).toMatchObject({ revokeMethod: RevokeMethod.NONE, revokeUrl: "" });
    expect(microsoft.notes).toMatch(/no per-token revocation/);
  });

  it("needs accounts:read", async () => {
    const error = await jobsOnly.listProviders({}).catch((e: unknown) => ConnectError.from(e));
    expect((error as ConnectError).code).toBe(Code.PermissionDenied);
  });
});

describe("CreateAuthConfig with a provider", () => {
  it("github with only client id and secret: every URL and quirk comes from the catalog, the secret never comes back", async () => {
    const { authConfig } = await accounts.createAuthConfig({
      provider: "github",
      clientId: "Iv1.abc",
      clientSecret: SECRET,
    });
    expect(authConfig).toMatchObject({
      name: "GitHub",
      provider: "github",
      authorizeUrl: "https://github.com/login/oauth/authorize",
      tokenUrl: "https://github.com/login/oauth/access_token",
      revokeMethod: RevokeMethod.GITHUB,
      clientAuth: ClientAuth.POST,
      responseStyle: ResponseStyle.ERROR_IN_200,
    });
    expect(authConfig!.revokeUrl).toBe("https://api.github.com/applications/%7Bclient_id%7D/grant");
    expect(toJsonString(AuthConfigSchema, authConfig!)).not.toContain(SECRET);
    const { authConfig: read } = await accounts.getAuthConfig({ authConfigId: authConfig!.id });
    expect(read).toMatchObject({ provider: "github", revokeMethod: RevokeMethod.GITHUB });
  });

  it("keeps what the caller set and merges authorize params over the catalog's", async () => {
    const { authConfig } = await accounts.createAuthConfig({
      provider: "google",
      name: "Google (staging)",
      tokenUrl: "https://staging.example.com/token",
      clientId: "g",
      clientSecret: "s3cret",
      clientAuth: ClientAuth.BASIC,
      authorizeParams: { prompt: "select_account", hd: "example.com" },
    });
    expect(authConfig).toMatchObject({
      name: "Google (staging)",
      tokenUrl: "https://staging.example.com/token",
      revokeUrl: "https://oauth2.googleapis.com/revoke",
      revokeMethod: RevokeMethod.RFC7009_UNAUTHENTICATED,
      clientAuth: ClientAuth.BASIC,
      authorizeParams: { access_type: "offline", prompt: "select_account", hd: "example.com" },
      defaultScopes: ["openid", "email"],
    });
  });

  it("a provider that cannot revoke is stored with revoke method NONE and no revoke URL", async () => {
    const { authConfig } = await accounts.createAuthConfig({
      provider: "microsoft",
      clientId: "m",
      clientSecret: "s3cret",
    });
    expect(authConfig).toMatchObject({ revokeMethod: RevokeMethod.NONE, revokeUrl: "" });
  });

  it("a custom auth config can pick a dialect explicitly, and a public client needs no secret", async () => {
    const { authConfig } = await accounts.createAuthConfig({
      projectId,
      name: "custom",
      tokenUrl: "https://p.example.com/token",
      revokeUrl: "https://p.example.com/refresh-tokens",
      revokeMethod: RevokeMethod.DELETE_BY_PATH,
      clientId: "public-app",
      clientAuth: ClientAuth.NONE,
    });
    expect(authConfig).toMatchObject({
      provider: "",
      revokeMethod: RevokeMethod.DELETE_BY_PATH,
      clientAuth: ClientAuth.NONE,
    });
  });

  it("refuses bad input with INVALID_ARGUMENT naming the field, and writes nothing", async () => {
    await expectInvalid("provider", () =>
      accounts.createAuthConfig({ provider: "myspace", clientId: "c", clientSecret: "s" }),
    );
    await expectInvalid("authorize_params.state", () =>
      accounts.createAuthConfig({
        provider: "github",
        clientId: "c",
        clientSecret: "s",
        authorizeParams: { state: "x" },
      }),
    );
    await expectInvalid("revoke_url", () =>
      accounts.createAuthConfig({
        name: "n",
        tokenUrl: "https://p.example.com/token",
        revokeMethod: RevokeMethod.SLACK,
        clientId: "c",
        clientSecret: "s",
        clientAuth: ClientAuth.POST,
      }),
    );
    await expectInvalid("revoke_method", () =>
      accounts.createAuthConfig({
        provider: "github",
        clientId: "c",
        clientSecret: "s",
        revokeMethod: 99 as RevokeMethod,
      }),
    );
    await expectInvalid("client_secret", () =>
      accounts.createAuthConfig({ provider: "github", clientId: "c" }),
    );
    await expectInvalid("token_url", () =>
      accounts.createAuthConfig({ name: "n", clientId: "c", clientSecret: "s", clientAuth: ClientAuth.POST }),
    );
  });
});
