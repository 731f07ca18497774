import { create, toJsonString } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import type * as grpc from "@grpc/grpc-js";
import {
  AccountsService,
  AuthConfigSchema,
  ClientAuth,
  ImportConnectedAccountsRequestSchema,
  ListConnectedAccountsResponseSchema,
  ResponseStyle,
} from "@warden/proto/accounts/v1";
import { AdminService } from "@warden/proto/admin/v1";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, grpcCaller } from "./test-clients.js";
import { startTestGateway, type TestGateway } from "./test-gateway.js";

const ACCOUNTS = 10_000;
const ALL_SCOPES = [
  "accounts:read",
  "accounts:write",
  "jobs:read",
  "jobs:write",
  "leases:read",
  "leases:write",
  "tokens:read",
];
const CLIENT_SECRET = "client-secret-4f1b9c";

let gateway: TestGateway;
const issuedSecrets: string[] = [CLIENT_SECRET];

beforeAll(async () => {
  gateway = await startTestGateway({ label: "accounts" });
  issuedSecrets.push(gateway.adminKey);
});

afterAll(async () => {
  await gateway?.close();
});

function* importMessages(authConfigId: string, count: number, tag: string) {
  for (let i = 0; i < count; i++) {
    yield create(ImportConnectedAccountsRequestSchema, {
      authConfigId,
      externalUserId: `user-${tag}-${i}`,
      accessToken: `at-${tag}-${i}-SECRET`,
      refreshToken: `rt-${tag}-${i}-SECRET`,
      expiresAt: timestampFromDate(new Date(Date.now() + 3600_000)),
    });
  }
}

describe("a Connect client over HTTP/1.1", () => {
  it("creates org → project → key → auth config, imports 10,000 accounts and pages them all exactly once", async () => {
    const admin = connectClient(AdminService, gateway.url, gateway.adminKey);
    const { org } = await admin.createOrg({ name: "Acme" });
    const { project } = await admin.createProject({ orgId: org!.id, name: "prod" });
    const { apiKey } = await admin.createApiKey({
      orgId: org!.id,
      projectId: project!.id,
      scopes: ALL_SCOPES,
    });
    issuedSecrets.push(apiKey);
    const accounts = connectClient(AccountsService, gateway.url, apiKey);
    const { authConfig } = await accounts.createAuthConfig({
      name: "slack",
      tokenUrl: "https://slack.example.com/api/oauth.v2.access",
      revokeUrl: "https://slack.example.com/api/auth.revoke",
      clientId: "client-1",
      clientSecret: CLIENT_SECRET,
      clientAuth: ClientAuth.POST,
      responseStyle: ResponseStyle.SLACK,
    });
    expect(toJsonString(AuthConfigSchema, authConfig!)).not.toContain(CLIENT_SECRET);

    async function* stream() {
      yield* importMessages(authConfig!.id, ACCOUNTS, "connect");
    }
    const imported = await accounts.importConnectedAccounts(stream());
    expect(imported.created).toBe(ACCOUNTS);

    const seen = new Set<string>();
    let cursor = "";
    let pages = 0;
    do {
      const page = await accounts.listConnectedAccounts({
        authConfigId: authConfig!.id,
        pageSize: 1000,
        cursor,
      });
      for (const account of page.accounts) {
        expect(seen.has(account.id)).toBe(false);
        seen.add(account.id);
      }
      const json = toJsonString(ListConnectedAccountsResponseSchema, page);
      expect(json).not.toMatch(/SECRET/);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(seen.size).toBe(ACCOUNTS);
    expect(pages).toBe(10);

    // Re-importing the same users updates them instead of duplicating.
    async function* again() {
      yield* importMessages(authConfig!.id, 10, "connect");
    }
    expect(await accounts.importConnectedAccounts(again())).toMatchObject({ created: 0, updated: 10 });
  });
});

describe("a grpc-js client loading our .proto files over h2c", () => {
  it("completes the same flow and pages with keyset cursors without gaps or duplicates", async () => {
    const admin = grpcCaller("warden.admin.v1.AdminService", gateway.port, gateway.adminKey);
    const { org } = await admin.call("createOrg", { name: "Globex" });
    const { project } = await admin.call("createProject", { org_id: org.id, name: "prod" });
    const { api_key: apiKey } = await admin.call("createApiKey", {
      org_id: org.id,
      project_id: project.id,
      scopes: ALL_SCOPES,
    });
    issuedSecrets.push(apiKey);
    const accounts = grpcCaller("warden.accounts.v1.AccountsService", gateway.port, apiKey);
    const { auth_config: authConfig } = await accounts.call("createAuthConfig", {
      name: "google",
      token_url: "http://127.0.0.1:9/token",
      client_id: "client-2",
      client_secret: CLIENT_SECRET,
      client_auth: "CLIENT_AUTH_BASIC",
    });
    expect(authConfig.response_style).toBe("RESPONSE_STYLE_RFC6749");

    const result = await new Promise<any>((resolve, reject) => {
      const call = (accounts.client as any).importConnectedAccounts(
        accounts.metadata(),
        (error: grpc.ServiceError | null, response: any) => (error ? reject(error) : resolve(response)),
      );
      for (let i = 0; i < ACCOUNTS; i++) {
        call.write({
          auth_config_id: authConfig.id,
          external_user_id: `user-grpc-${i}`,
          access_token: `at-grpc-${i}-SECRET`,
          refresh_token: `rt-grpc-${i}-SECRET`,
          expires_at: { seconds: Math.floor(Date.now() / 1000) + 3600, nanos: 0 },
        });
      }
      call.end();
    });
    expect(result.created).toBe(ACCOUNTS);

    const seen = new Set<string>();
    let cursor = "";
    do {
      const page = await accounts.call("listConnectedAccounts", {
        project_id: project.id,
        page_size: 777,
        cursor,
      });
      for (const account of page.accounts) seen.add(account.id);
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen.size).toBe(ACCOUNTS);
    accounts.client.close();
    admin.client.close();
  });
});

describe("secrets", () => {
  it("are stored only as ciphertext and never appear in a log line", async () => {
    const { db } = gateway.deps;
    const leaked = await sql<{ n: number }>`
      select count(*)::int as n from connected_accounts
      where position(convert_to('SECRET', 'UTF8') in coalesce(access_token_ciphertext, ''::bytea)) > 0
         or position(convert_to('SECRET', 'UTF8') in coalesce(refresh_token_ciphertext, ''::bytea)) > 0`.execute(
      db,
    );
    expect(leaked.rows[0]!.n).toBe(0);
    const secretColumns = await sql<{ n: number }>`
      select count(*)::int as n from auth_configs
      where position(convert_to(${CLIENT_SECRET}, 'UTF8') in client_secret_ciphertext) > 0`.execute(db);
    expect(secretColumns.rows[0]!.n).toBe(0);
    const keys = await db.selectFrom("api_keys").select("key_hash").execute();
    for (const { key_hash } of keys) for (const secret of issuedSecrets) expect(key_hash).not.toBe(secret);

    const logs = gateway.logLines.join("\n");
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of issuedSecrets) expect(logs).not.toContain(secret);
    expect(logs).not.toMatch(/(at|rt)-(connect|grpc)-\d+-SECRET/);
  });
});

describe("without credentials", () => {
  it("every call is UNAUTHENTICATED, and a non-operator key cannot call AdminService", async () => {
    const anonymous = connectClient(AccountsService, gateway.url);
    await expect(anonymous.listAuthConfigs({})).rejects.toMatchObject({ code: Code.Unauthenticated });
    const wrong = connectClient(AdminService, gateway.url, "not-a-real-key");
    await expect(wrong.createOrg({ name: "x" })).rejects.toMatchObject({ code: Code.Unauthenticated });
    const admin = connectClient(AdminService, gateway.url, gateway.adminKey);
    const { org } = await admin.createOrg({ name: "Initech" });
    const { apiKey } = await admin.createApiKey({ orgId: org!.id, scopes: ALL_SCOPES });
    const keyHolder = connectClient(AdminService, gateway.url, apiKey);
    await expect(keyHolder.createOrg({ name: "x" })).rejects.toMatchObject({ code: Code.PermissionDenied });
    expect(ConnectError).toBeDefined();
  });
});
