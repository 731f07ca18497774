import { randomBytes } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { accountTokenAssociatedData } from "@warden/crypto";
import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { AccountsService, AccountStatus, ClientAuth } from "@warden/proto/accounts/v1";
import { AdminService } from "@warden/proto/admin/v1";
import { ConnectService, ConnectSessionStatus } from "@warden/proto/connect/v1";
import { accountRefreshFailureKey } from "@warden/redis";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient } from "./test-clients.js";
import { startTestGateway, type TestGateway } from "./test-gateway.js";

// The connect flow over real HTTP against the mock provider: the test plays the
// user's browser, following the authorize URL's state and a code the provider
// issued, the way a provider's redirect would carry them to /oauth/callback.

const RETURN_URL = "http://127.0.0.1:9/app/connected";

let gateway: TestGateway;
let provider: MockProvider;
let connect: ReturnType<typeof connectClient<typeof ConnectService>>;
let accounts: ReturnType<typeof connectClient<typeof AccountsService>>;
let authConfigId: string;
let otherTenantKey: string;
const secrets: string[] = [];

beforeAll(async () => {
  gateway = await startTestGateway({ label: "connect" });
  provider = await startMockProvider({ clientSecret: `mock-secret-${randomBytes(8).toString("hex")}` });
  secrets.push(provider.clientSecret, gateway.adminKey);
  const admin = connectClient(AdminService, gateway.url, gateway.adminKey);
  const newKey = async () => {
    const { org } = await admin.createOrg({ name: "Acme" });
    const { project } = await admin.createProject({ orgId: org!.id, name: "prod" });
    const { apiKey } = await admin.createApiKey({
      orgId: org!.id,
      projectId: project!.id,
      scopes: ["accounts:read", "accounts:write"],
    });
    secrets.push(apiKey);
    return apiKey;
  };
  const key = await newKey();
  otherTenantKey = await newKey();
  connect = connectClient(ConnectService, gateway.url, key);
  accounts = connectClient(AccountsService, gateway.url, key);
  const { authConfig } = await accounts.createAuthConfig({
    name: "mock",
    tokenUrl: provider.tokenUrl,
    revokeUrl: provider.revokeUrl,
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
    clientAuth: ClientAuth.BASIC,
    defaultScopes: ["read", "write"],
  });
  authConfigId = authConfig!.id;
  // No RPC sets authorize_url until auth configs can be updated or come from the catalog.
  await sql`update auth_configs set authorize_url = ${`${provider.url}/oauth/authorize`}, authorize_params = ${JSON.stringify({ access_type: "offline" })}::jsonb where id = ${authConfigId}`.execute(
    gateway.deps.db,
  );
});

afterAll(async () => {
  await provider?.close();
  await gateway?.close();
});

async function startSession(externalUserId: string) {
  const session = await connect.createConnectSession({
    authConfigId,
    externalUserId,
    scopes: [],
    returnUrl: RETURN_URL,
  });
  const authorize = new URL(session.authorizeUrl);
  const state = authorize.searchParams.get("state")!;
  secrets.push(state);
  return { session, authorize, state };
}

async function callback(
  params: Record<string, string>,
): Promise<{ status: number; location: string; body: string }> {
  const response = await fetch(`${gateway.url}/oauth/callback?${new URLSearchParams(params)}`, {
    redirect: "manual",
  });
  return {
    status: response.status,
    location: response.headers.get("location") ?? "",
    body: await response.text(),
  };
}

function issueCode(subject: string): string {
  const code = provider.issueCode({ subject });
  secrets.push(code);
  return code;
}

async function snapshot() {
  const db = gateway.deps.db;
  const rows = await sql<{ table: string; digest: string }>`
    select 'connected_accounts' as table, md5(coalesce(string_agg(t::text, ',' order by id), '')) as digest from connected_accounts t
    union all
    select 'connect_sessions', md5(coalesce(string_agg(t::text, ',' order by id), '')) from connect_sessions t
  `.execute(db);
  return rows.rows;
}

describe("the OAuth connect flow (authorization code + PKCE)", () => {
  it("builds an authorize URL with PKCE S256, a one-time state, the callback and the auth config's extra parameters", async () => {
    const { session, authorize } = await startSession("url-user");
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${provider.url}/oauth/authorize`);
    const params = Object.fromEntries(authorize.searchParams);
    expect(params).toMatchObject({
      response_type: "code",
      client_id: provider.clientId,
      redirect_uri: `${gateway.url}/oauth/callback`,
      scope: "read write",
      code_challenge_method: "S256",
      access_type: "offline",
    });
    expect(params.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.sessionId).toMatch(/^cs_/);
    const expiresInMs = Number(session.expiresAt!.seconds) * 1000 - Date.now();
    expect(expiresInMs).toBeGreaterThan(9 * 60_000);
    expect(expiresInMs).toBeLessThanOrEqual(10 * 60_000);
    const status = await connect.getConnectSession({ sessionId: session.sessionId });
    expect(status.status).toBe(ConnectSessionStatus.PENDING);
  });

  it("exchanges the code, creates the account ACTIVE with the provider's tokens and redirects to return_url", async () => {
    const { session, state } = await startSession("alice");
    const result = await callback({ state, code: issueCode("alice") });
    expect(result.status).toBe(303);
    const target = new URL(result.location);
    expect(`${target.origin}${target.pathname}`).toBe(RETURN_URL);
    expect(target.searchParams.get("status")).toBe("connected");
    expect(target.searchParams.get("connect_session")).toBe(session.sessionId);
    const accountId = target.searchParams.get("account_id")!;

    const reported = await connect.getConnectSession({ sessionId: session.sessionId });
    expect(reported).toMatchObject({
      status: ConnectSessionStatus.CONNECTED,
      accountId,
      reconnected: false,
      externalUserId: "alice",
    });
    const { account } = await accounts.getConnectedAccount({ accountId });
    expect(account?.status).toBe(AccountStatus.ACTIVE);
    const row = await gateway.deps.db
      .selectFrom("connected_accounts")
      .selectAll()
      .where("id", "=", accountId)
      .executeTakeFirstOrThrow();
    const open = (which: "access" | "refresh", ciphertext: Buffer) =>
      gateway.deps.keyring.open(
        { ciphertext, keyId: row.token_key_id! },
        accountTokenAssociatedData(authConfigId, "alice", which),
      );
    const access = open("access", row.access_token_ciphertext!);
    const refresh = open("refresh", row.refresh_token_ciphertext!);
    secrets.push(access, refresh);
    expect(provider.isAccessTokenLive(access)).toBe(true);
    expect(provider.isRefreshTokenLive(refresh)).toBe(true);
    const stored = await gateway.deps.db
      .selectFrom("connect_sessions")
      .select(["code_verifier_ciphertext", "status"])
      .where("id", "=", session.sessionId)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ code_verifier_ciphertext: null, status: "connected" });
    const audited = await gateway.deps.db
      .selectFrom("audit_events")
      .select(["action", "outcome", "object_ids", "org_id"])
      .where("action", "=", "GET /oauth/callback")
      .where(sql<boolean>`${session.sessionId} = any(object_ids)`)
      .execute();
    expect(audited).toEqual([
      {
        action: "GET /oauth/callback",
        outcome: "ok",
        object_ids: [session.sessionId, accountId],
        org_id: expect.stringMatching(/^org_/),
      },
    ]);
  });

  it("a replayed state writes nothing and shows an error page, even when two callbacks race", async () => {
    const { state } = await startSession("bob");
    const code = issueCode("bob");
    const raced = await Promise.all([callback({ state, code }), callback({ state, code })]);
    expect(raced.map((r) => r.status).sort()).toEqual([303, 400]);
    const before = await snapshot();
    const replay = await callback({ state, code: issueCode("bob") });
    expect(replay.status).toBe(400);
    expect(replay.body).toContain("already been used");
    expect(await snapshot()).toEqual(before);
  });

  it("an expired state writes nothing, shows an error page, and the session reads FAILED expired", async () => {
    const { session, state } = await startSession("carol");
    await sql`update connect_sessions set expires_at = now() - interval '1 second' where id = ${session.sessionId}`.execute(
      gateway.deps.db,
    );
    const before = await snapshot();
    const result = await callback({ state, code: issueCode("carol") });
    expect(result.status).toBe(400);
    expect(result.body).toContain("expired");
    expect(await snapshot()).toEqual(before);
    const reported = await connect.getConnectSession({ sessionId: session.sessionId });
    expect(reported).toMatchObject({ status: ConnectSessionStatus.FAILED, errorCode: "expired" });
  });

  it("a foreign or missing state writes nothing and shows an error page", async () => {
    const before = await snapshot();
    const foreign = await callback({ state: randomBytes(32).toString("base64url"), code: issueCode("x") });
    expect(foreign.status).toBe(400);
    expect(foreign.body).toContain("not issued here");
    const missing = await callback({ code: issueCode("y") });
    expect(missing.status).toBe(400);
    expect(await snapshot()).toEqual(before);
  });

  it("a provider's error=access_denied ends the session FAILED with that code, and redirects with it", async () => {
    const { session, state } = await startSession("dave");
    const result = await callback({ state, error: "access_denied", error_description: "user said no" });
    expect(result.status).toBe(303);
    const target = new URL(result.location);
    expect(target.searchParams.get("status")).toBe("failed");
    expect(target.searchParams.get("error")).toBe("access_denied");
    const reported = await connect.getConnectSession({ sessionId: session.sessionId });
    expect(reported).toMatchObject({ status: ConnectSessionStatus.FAILED, errorCode: "access_denied" });
    const created = await gateway.deps.db
      .selectFrom("connected_accounts")
      .select("id")
      .where("external_user_id", "=", "dave")
      .execute();
    expect(created).toEqual([]);
  });

  it("a code the provider refuses ends the session FAILED with the provider's error code", async () => {
    const { session, state } = await startSession("erin");
    const result = await callback({ state, code: "not-a-code-the-provider-issued" });
    expect(new URL(result.location).searchParams.get("status")).toBe("failed");
    const reported = await connect.getConnectSession({ sessionId: session.sessionId });
    expect(reported.status).toBe(ConnectSessionStatus.FAILED);
    expect(reported.errorCode).toBe("invalid_grant");
  });

  it("reconnects a NEEDS_RECONNECT account of the same external user: same id, ACTIVE, cached failure cleared", async () => {
    const first = await startSession("frank");
    const connected = await callback({ state: first.state, code: issueCode("frank") });
    const accountId = new URL(connected.location).searchParams.get("account_id")!;
    await sql`update connected_accounts set status = 'needs_reconnect', status_reason = 'invalid_grant' where id = ${accountId}`.execute(
      gateway.deps.db,
    );
    await gateway.deps.redis.set(accountRefreshFailureKey(accountId), "invalid_grant");

    const second = await startSession("frank");
    const result = await callback({ state: second.state, code: issueCode("frank") });
    expect(new URL(result.location).searchParams.get("account_id")).toBe(accountId);
    const reported = await connect.getConnectSession({ sessionId: second.session.sessionId });
    expect(reported).toMatchObject({ status: ConnectSessionStatus.CONNECTED, accountId, reconnected: true });
    const { account } = await accounts.getConnectedAccount({ accountId });
    expect(account).toMatchObject({ status: AccountStatus.ACTIVE, statusReason: "" });
    expect(await gateway.deps.redis.exists(accountRefreshFailureKey(accountId))).toBe(0);
  });

  it("refuses bad requests by field, and another tenant's session is NOT_FOUND", async () => {
    const bad = async (patch: object) =>
      connect
        .createConnectSession({
          authConfigId,
          externalUserId: "u",
          scopes: [],
          returnUrl: RETURN_URL,
          ...patch,
        })
        .catch((error: unknown) => ConnectError.from(error));
    for (const [patch, field] of [
      [{ returnUrl: "javascript:alert(1)" }, "return_url"],
      [{ returnUrl: "http://example.com/x" }, "return_url"],
      [{ externalUserId: "" }, "external_user_id"],
      [{ authConfigId: "ac_bogus" }, "auth_config_id"],
    ] as const) {
      const error = await bad(patch);
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.InvalidArgument);
      expect((error as ConnectError).rawMessage).toContain(field);
    }
    const { session } = await startSession("grace");
    const foreign = connectClient(ConnectService, gateway.url, otherTenantKey);
    const error = await foreign
      .getConnectSession({ sessionId: session.sessionId })
      .catch((e: unknown) => ConnectError.from(e));
    expect((error as ConnectError).code).toBe(Code.NotFound);
  });

  it("never logs a state, code, token, client secret or key", () => {
    const logs = gateway.logLines.join("\n");
    expect(logs).toContain("connect session finished");
    for (const secret of secrets) expect(logs).not.toContain(secret);
  });
});
