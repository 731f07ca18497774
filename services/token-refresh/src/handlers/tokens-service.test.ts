import { Code, ConnectError } from "@connectrpc/connect";
import { openAccountToken } from "@warden/crypto";
import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { TokenFailureSchema } from "@warden/proto/tokens/v1";
import { accountRefreshFailureKey } from "@warden/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  reconnectLikeGateway,
  seedAccount,
  seedApiKey,
  seedLease,
  seedTenant,
  type TestTenant,
} from "../test-fixtures.js";
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
let tenant: TestTenant;
const secrets: string[] = [];

const HOUR = 3_600_000;
const past = () => new Date(Date.now() - 60_000);
const inOneHour = () => new Date(Date.now() + HOUR);

beforeAll(async () => {
  infra = await openTestInfrastructure("tokens_svc");
  provider = await startMockProvider({ clientSecret: "mock-client-secret-5b1e9d" });
  service = await startTestTokenRefresh(infra);
  tenant = await seedTenant(infra.database.db, infra.keyring, provider);
  secrets.push(provider.clientSecret, tenant.apiKey);
});

afterAll(async () => {
  // No token, refresh token, client secret, API key or lease token in any log line of this file.
  const logs = infra.logLines.join("\n");
  for (const secret of secrets) expect(logs).not.toContain(secret);
  await service?.close();
  await provider?.close();
  await infra?.close();
});

/** Seeds an account holding a live token family of the mock provider. */
async function accountWithProviderTokens(t: TestTenant, expiresAt: Date | null = past()) {
  const seed = provider.issueTokens();
  secrets.push(seed.access_token, seed.refresh_token);
  const id = await seedAccount(infra.database.db, infra.keyring, t, {
    access: seed.access_token,
    refresh: seed.refresh_token,
    expiresAt,
  });
  return { id, seed };
}

async function storedAccount(id: string) {
  const row = await infra.database.db
    .selectFrom("connected_accounts")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  const binding = { authConfigId: row.auth_config_id, externalUserId: row.external_user_id };
  return {
    row,
    access: openAccountToken(infra.keyring, binding, "access", {
      ciphertext: row.access_token_ciphertext!,
      keyId: row.token_key_id!,
    }),
    refresh: openAccountToken(infra.keyring, binding, "refresh", {
      ciphertext: row.refresh_token_ciphertext!,
      keyId: row.token_key_id!,
    }),
  };
}

async function shortCircuits(scope: string): Promise<number> {
  const { values } = await service.deps.metrics.cachedFailureShortCircuits.get();
  return values.find((v) => v.labels.scope === scope)?.value ?? 0;
}

function failureOf(error: unknown) {
  const connectError = ConnectError.from(error);
  return {
    code: connectError.code,
    detail: connectError.findDetails(TokenFailureSchema)[0],
    message: connectError.message,
  };
}

async function expectFailure(call: Promise<unknown>) {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeDefined();
  return failureOf(error);
}

describe("GetAccessToken", () => {
  it("serves a stored token that stays valid long enough, without calling the provider", async () => {
    const { id, seed } = await accountWithProviderTokens(tenant, inOneHour());
    const before = provider.counters.refreshCalls;
    const answer = await tokensClient(service.url, tenant.apiKey).getAccessToken({
      accountId: id,
      minValidSeconds: 60,
    });
    expect(answer).toMatchObject({ accessToken: seed.access_token, tokenType: "Bearer", refreshed: false });
    expect(provider.counters.refreshCalls).toBe(before);
  });

  it("refreshes an expired token once, storing the rotated refresh token with the new access token", async () => {
    const { id, seed } = await accountWithProviderTokens(tenant);
    const before = provider.counters.refreshCalls;
    const answer = await tokensClient(service.url, tenant.apiKey).getAccessToken({
      accountId: id,
      minValidSeconds: 60,
    });
    secrets.push(answer.accessToken);
    expect(answer.refreshed).toBe(true);
    expect(answer.accessToken).not.toBe(seed.access_token);
    expect(provider.isAccessTokenLive(answer.accessToken)).toBe(true);
    expect(provider.counters.refreshCalls).toBe(before + 1);
    const stored = await storedAccount(id);
    secrets.push(stored.refresh);
    expect(stored.access).toBe(answer.accessToken);
    expect(stored.refresh).not.toBe(seed.refresh_token);
    expect(provider.isRefreshTokenLive(stored.refresh)).toBe(true);
    expect(stored.row.token_version).toBe(1);
    expect(stored.row.last_refreshed_at).not.toBeNull();
  });

  it("refreshes when the stored token would expire within min_valid_seconds", async () => {
    const { id } = await accountWithProviderTokens(tenant, new Date(Date.now() + 30_000));
    const client = tokensClient(service.url, tenant.apiKey);
    expect((await client.getAccessToken({ accountId: id, minValidSeconds: 10 })).refreshed).toBe(false);
    const answer = await client.getAccessToken({ accountId: id, minValidSeconds: 300 });
    secrets.push(answer.accessToken);
    expect(answer.refreshed).toBe(true);
  });

  it("shares one provider call among 100 concurrent callers in one process", async () => {
    const { id } = await accountWithProviderTokens(tenant);
    provider.configure({ latencyMs: 200 });
    try {
      const before = provider.counters.refreshCalls;
      const client = tokensClient(service.url, tenant.apiKey);
      const answers = await Promise.all(
        Array.from({ length: 100 }, () => client.getAccessToken({ accountId: id, minValidSeconds: 60 })),
      );
      secrets.push(answers[0]!.accessToken);
      expect(new Set(answers.map((a) => a.accessToken)).size).toBe(1);
      expect(provider.counters.refreshCalls).toBe(before + 1);
      expect(provider.counters.invalidGrant).toBe(0);
    } finally {
      provider.configure({ latencyMs: 0 });
    }
  });

  it("stores a token without expires_in with an unknown expiry and trusts it for the assumed lifetime", async () => {
    const { id } = await accountWithProviderTokens(tenant);
    provider.configure({ omitExpiresIn: true });
    try {
      const client = tokensClient(service.url, tenant.apiKey);
      const first = await client.getAccessToken({ accountId: id, minValidSeconds: 60 });
      secrets.push(first.accessToken);
      expect(first.refreshed).toBe(true);
      expect(first.expiresAt).toBeUndefined();
      expect((await storedAccount(id)).row.expires_at).toBeNull();
      expect(await client.getAccessToken({ accountId: id, minValidSeconds: 60 })).toMatchObject({
        accessToken: first.accessToken,
        refreshed: false,
      });
      // Longer than the assumed hour: refresh rather than promise what we cannot know.
      const second = await client.getAccessToken({ accountId: id, minValidSeconds: 7200 });
      secrets.push(second.accessToken);
      expect(second.refreshed).toBe(true);
    } finally {
      provider.configure({ omitExpiresIn: false });
    }
  });

  it("answers UNAVAILABLE on transient provider failures and leaves the account ACTIVE", async () => {
    const { id } = await accountWithProviderTokens(tenant);
    const client = tokensClient(service.url, tenant.apiKey);
    for (const fault of [{ rate5xx: 1 }, { rate429: 1 }, { nonJson: true }] as const) {
      provider.configure(fault);
      const failure = await expectFailure(client.getAccessToken({ accountId: id, minValidSeconds: 60 }));
      expect(failure.code).toBe(Code.Unavailable);
      provider.configure({ rate5xx: 0, rate429: 0, nonJson: false });
    }
    expect((await storedAccount(id)).row.status).toBe("active");
    const answer = await client.getAccessToken({ accountId: id, minValidSeconds: 60 });
    secrets.push(answer.accessToken);
    expect(answer.refreshed).toBe(true);
  });
});

describe("RefreshAccessToken", () => {
  it("refreshes even a valid token", async () => {
    const { id, seed } = await accountWithProviderTokens(tenant, inOneHour());
    const answer = await tokensClient(service.url, tenant.apiKey).refreshAccessToken({ accountId: id });
    secrets.push(answer.accessToken);
    expect(answer.refreshed).toBe(true);
    expect(answer.accessToken).not.toBe(seed.access_token);
  });
});

describe("terminal failures", () => {
  it("Slack ok:false invalid_refresh_token → NEEDS_RECONNECT at once for every later call, until a reconnect", async () => {
    const slack = await startMockProvider({
      responseStyle: "slack",
      clientSecret: "slack-client-secret-77ac",
    });
    secrets.push(slack.clientSecret);
    try {
      const t = await seedTenant(infra.database.db, infra.keyring, {
        ...slack,
        clientAuth: "post",
        responseStyle: "slack",
      });
      secrets.push(t.apiKey);
      const seed = slack.issueTokens();
      secrets.push(seed.access_token, seed.refresh_token);
      const id = await seedAccount(infra.database.db, infra.keyring, t, {
        access: seed.access_token,
        refresh: seed.refresh_token,
        expiresAt: past(),
      });
      const events: string[] = [];
      const subscription = infra.bus.nc.subscribe(`${infra.namespace}.events.account.${id}.>`, {
        callback: (_e, msg) => events.push(msg.subject.split(".").pop()!),
      });
      slack.configure({ forceError: { token: { status: 400, error: "invalid_refresh_token" } } });
      const client = tokensClient(service.url, t.apiKey);

      const first = await expectFailure(client.getAccessToken({ accountId: id, minValidSeconds: 60 }));
      expect(first.code).toBe(Code.FailedPrecondition);
      expect(first.detail).toMatchObject({
        reason: "NEEDS_RECONNECT",
        providerError: "invalid_refresh_token",
        accountId: id,
      });
      expect(slack.counters.refreshCalls).toBe(1);
      const { row } = await storedAccount(id);
      expect(row).toMatchObject({ status: "needs_reconnect", status_reason: "invalid_refresh_token" });
      expect(JSON.parse((await infra.redis.get(accountRefreshFailureKey(id)))!)).toEqual({
        code: "invalid_refresh_token",
        tokenVersion: 0,
      });
      expect(await infra.redis.pttl(accountRefreshFailureKey(id))).toBeGreaterThan(3_500_000);

      const later = await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          expectFailure(
            i % 2
              ? client.getAccessToken({ accountId: id, minValidSeconds: 60 })
              : client.refreshAccessToken({ accountId: id }),
          ),
        ),
      );
      expect(
        later.every((f) => f.code === Code.FailedPrecondition && f.detail?.reason === "NEEDS_RECONNECT"),
      ).toBe(true);
      expect(later.every((f) => f.detail?.providerError === "invalid_refresh_token")).toBe(true);
      expect(slack.counters.refreshCalls).toBe(1);
      expect(await shortCircuits("account_status")).toBeGreaterThanOrEqual(500);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(events).toContain("needs_reconnect");
      subscription.unsubscribe();

      // Reconnect the way the gateway does, leaving the cached failure behind on purpose:
      // the bumped token_version alone must clear it.
      slack.configure({ forceError: null });
      const fresh = slack.issueTokens();
      secrets.push(fresh.access_token, fresh.refresh_token);
      await reconnectLikeGateway(
        infra.database.db,
        infra.redis,
        infra.keyring,
        id,
        { access: fresh.access_token, refresh: fresh.refresh_token, expiresAt: past() },
        { keepCachedFailure: true },
      );
      const answer = await client.getAccessToken({ accountId: id, minValidSeconds: 60 });
      secrets.push(answer.accessToken);
      expect(answer.refreshed).toBe(true);
      expect(slack.isAccessTokenLive(answer.accessToken)).toBe(true);
      expect(slack.counters.refreshCalls).toBe(2);
    } finally {
      await slack.close();
    }
  });

  it("invalid_client pauses the auth config's refreshes and marks no account", async () => {
    const t = await seedTenant(infra.database.db, infra.keyring, {
      ...provider,
      clientSecret: "wrong-client-secret-9f",
    });
    secrets.push(t.apiKey, "wrong-client-secret-9f");
    const a = await accountWithProviderTokens(t);
    const b = await accountWithProviderTokens(t);
    const client = tokensClient(service.url, t.apiKey);
    const before = provider.counters.refreshCalls;
    const first = await expectFailure(client.getAccessToken({ accountId: a.id, minValidSeconds: 60 }));
    expect(first.code).toBe(Code.FailedPrecondition);
    expect(first.detail).toMatchObject({
      reason: "APP_MISCONFIGURED",
      providerError: "invalid_client",
      authConfigId: t.authConfigId,
    });
    const second = await expectFailure(client.getAccessToken({ accountId: b.id, minValidSeconds: 60 }));
    expect(second.detail?.reason).toBe("APP_MISCONFIGURED");
    expect(provider.counters.refreshCalls).toBe(before + 1);
    expect(await shortCircuits("app")).toBe(1);
    for (const id of [a.id, b.id]) expect((await storedAccount(id)).row.status).toBe("active");
    expect(await infra.redis.get(accountRefreshFailureKey(a.id))).toBeNull();
  });
});

describe("who may get a token", () => {
  it("needs tokens:read, and another tenant's account is NOT_FOUND", async () => {
    const { id } = await accountWithProviderTokens(tenant, inOneHour());
    const noScope = await seedApiKey(infra.database.db, tenant.orgId, ["accounts:read"]);
    const otherTenant = await seedTenant(infra.database.db, infra.keyring, provider);
    secrets.push(noScope, otherTenant.apiKey);
    expect(
      (await expectFailure(tokensClient(service.url, noScope).getAccessToken({ accountId: id }))).code,
    ).toBe(Code.PermissionDenied);
    expect(
      (await expectFailure(tokensClient(service.url, otherTenant.apiKey).getAccessToken({ accountId: id })))
        .code,
    ).toBe(Code.NotFound);
    expect(
      (await expectFailure(tokensClient(service.url, "not-a-key").getAccessToken({ accountId: id }))).code,
    ).toBe(Code.Unauthenticated);
    expect(
      (await expectFailure(tokensClient(service.url, tenant.apiKey).getAccessToken({ accountId: "nope" })))
        .code,
    ).toBe(Code.InvalidArgument);
  });

  it("a lease token reads its own account only, and stops working at once when checked in, revoked or expired", async () => {
    const own = await accountWithProviderTokens(tenant, inOneHour());
    const other = await accountWithProviderTokens(tenant, inOneHour());
    const checkedIn = await seedLease(infra.database.db, tenant, own.id);
    const revoked = await seedLease(infra.database.db, tenant, own.id);
    secrets.push(checkedIn.leaseToken, revoked.leaseToken);
    const byLease = tokensClient(service.url, checkedIn.leaseToken);
    expect((await byLease.getAccessToken({ accountId: own.id, minValidSeconds: 60 })).accessToken).toBe(
      own.seed.access_token,
    );
    expect((await expectFailure(byLease.getAccessToken({ accountId: other.id }))).code).toBe(Code.NotFound);
    expect((await expectFailure(byLease.refreshAccessToken({ accountId: other.id }))).code).toBe(
      Code.NotFound,
    );

    await infra.database.db
      .updateTable("leases")
      .set({ status: "checked_in", ended_at: new Date() })
      .where("id", "=", checkedIn.leaseId)
      .execute();
    expect((await expectFailure(byLease.getAccessToken({ accountId: own.id }))).code).toBe(
      Code.Unauthenticated,
    );

    const byRevoked = tokensClient(service.url, revoked.leaseToken);
    expect((await byRevoked.getAccessToken({ accountId: own.id })).accessToken).toBe(own.seed.access_token);
    await infra.database.db
      .updateTable("leases")
      .set({ status: "revoked", ended_at: new Date() })
      .where("id", "=", revoked.leaseId)
      .execute();
    expect((await expectFailure(byRevoked.getAccessToken({ accountId: own.id }))).code).toBe(
      Code.Unauthenticated,
    );
  });

  it("a deleted account is NOT_FOUND and a revoked one FAILED_PRECONDITION (REVOKED), without provider calls", async () => {
    const deleted = await accountWithProviderTokens(tenant);
    const revoked = await accountWithProviderTokens(tenant);
    const db = infra.database.db;
    await db
      .updateTable("connected_accounts")
      .set({ status: "deleted", deleted_at: new Date() })
      .where("id", "=", deleted.id)
      .execute();
    await db
      .updateTable("connected_accounts")
      .set({ status: "revoked" })
      .where("id", "=", revoked.id)
      .execute();
    const before = provider.counters.refreshCalls;
    const client = tokensClient(service.url, tenant.apiKey);
    expect((await expectFailure(client.getAccessToken({ accountId: deleted.id }))).code).toBe(Code.NotFound);
    const failure = await expectFailure(client.refreshAccessToken({ accountId: revoked.id }));
    expect(failure.code).toBe(Code.FailedPrecondition);
    expect(failure.detail?.reason).toBe("REVOKED");
    expect(provider.counters.refreshCalls).toBe(before);
  });
});
