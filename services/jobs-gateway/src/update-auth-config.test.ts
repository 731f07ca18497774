import { toJsonString } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { busNames } from "@warden/bus";
import { clientSecretAssociatedData } from "@warden/crypto";
import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { AccountsService, AuthConfigSchema, ClientAuth, ResponseStyle } from "@warden/proto/accounts/v1";
import { JobsService, JobStatus, ScopeKind } from "@warden/proto/jobs/v1";
import { authConfigRefreshFailureKey, revokeBreakerFailuresKey, revokeBreakerOpenKey } from "@warden/redis";
import { startTestExecutor, type TestExecutor, type TestStack } from "@warden/revoke-executor/testing";
import { waitFor } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf, createTenant, type TestTenant } from "./jobs-test-fixtures.js";
import { connectClient } from "./test-clients.js";
import { startTestGateway, type TestGateway } from "./test-gateway.js";

const WRONG_SECRET = "leaked-secret-UPDATE-0001";
const THRESHOLD = 5;
const PER_AUTH_CONFIG = 2;

let gateway: TestGateway;
let provider: MockProvider;
let executor: TestExecutor;
let tenant: TestTenant;

beforeAll(async () => {
  gateway = await startTestGateway({ label: "acupdate" });
  provider = await startMockProvider({ seed: 3 });
  tenant = await createTenant(gateway, "updater", 0);
  const { deps } = gateway;
  // The executor runs in this process on the gateway's namespace and connections.
  const stack = {
    namespace: gateway.namespace,
    database: { db: deps.db },
    redis: deps.redis,
    bus: deps.bus,
    keyring: deps.keyring,
  } as unknown as TestStack;
  executor = await startTestExecutor(stack, {
    breakerThreshold: THRESHOLD,
    perAuthConfigLimit: PER_AUTH_CONFIG,
    progressIntervalMs: 100,
  });
});

afterAll(async () => {
  await executor?.stop();
  await provider?.close();
  await gateway?.close();
});

async function createConfig(secret: string) {
  const accounts = connectClient(AccountsService, gateway.url, tenant.orgKey);
  const { authConfig } = await accounts.createAuthConfig({
    projectId: tenant.otherProjectId,
    name: "mock",
    tokenUrl: provider.tokenUrl,
    revokeUrl: provider.revokeUrl,
    clientId: provider.clientId,
    clientSecret: secret,
    clientAuth: ClientAuth.BASIC,
  });
  return authConfig!;
}

describe("UpdateAuthConfig", () => {
  it("changes only the fields set, re-seals the secret without returning it, and clears both sides' app-level failure caches", async () => {
    const accounts = connectClient(AccountsService, gateway.url, tenant.orgKey);
    const created = await createConfig(WRONG_SECRET);
    const { redis, db, keyring, bus } = gateway.deps;
    await redis.set(authConfigRefreshFailureKey(created.id), JSON.stringify({ code: "invalid_client" }));
    await redis.hset(revokeBreakerFailuresKey(created.id), "pj_x:1", "20");
    await redis.hset(revokeBreakerOpenKey(created.id), "pj_x:1", "1");
    const nudges: string[] = [];
    const sub = bus.nc.subscribe(busNames(gateway.namespace).subjects.authConfigUpdated(created.id), {
      callback: (_error, message) => nudges.push(message.subject),
    });
    await bus.nc.flush();

    const { authConfig } = await accounts.updateAuthConfig({
      authConfigId: created.id,
      clientSecret: provider.clientSecret,
      responseStyle: ResponseStyle.RFC6749,
    });

    expect(authConfig).toMatchObject({
      id: created.id,
      name: created.name,
      tokenUrl: created.tokenUrl,
      revokeUrl: created.revokeUrl,
      clientId: created.clientId,
      clientAuth: ClientAuth.BASIC,
    });
    expect(toJsonString(AuthConfigSchema, authConfig!)).not.toContain(provider.clientSecret);
    const row = await db
      .selectFrom("auth_configs")
      .selectAll()
      .where("id", "=", created.id)
      .executeTakeFirstOrThrow();
    expect(
      keyring.open(
        { keyId: row.client_secret_key_id!, ciphertext: row.client_secret_ciphertext! },
        clientSecretAssociatedData(created.id),
      ),
    ).toBe(provider.clientSecret);
    expect(
      await redis.exists(
        authConfigRefreshFailureKey(created.id),
        revokeBreakerFailuresKey(created.id),
        revokeBreakerOpenKey(created.id),
      ),
    ).toBe(0);
    await waitFor(() => nudges.length === 1, { message: "the executor nudge" });
    sub.unsubscribe();

    // Only `name` set: everything else, the secret included, stays.
    const renamed = await accounts.updateAuthConfig({ authConfigId: created.id, name: "renamed" });
    expect(renamed.authConfig).toMatchObject({ name: "renamed", tokenUrl: created.tokenUrl });
    const after = await db
      .selectFrom("auth_configs")
      .select("client_secret_ciphertext")
      .where("id", "=", created.id)
      .executeTakeFirstOrThrow();
    expect(after.client_secret_ciphertext).toEqual(row.client_secret_ciphertext);
    // "" clears an optional URL.
    const cleared = await accounts.updateAuthConfig({ authConfigId: created.id, revokeUrl: "" });
    expect(cleared.authConfig!.revokeUrl).toBe("");

    const logs = gateway.logLines.join("");
    expect(logs).toContain("auth config updated");
    expect(logs).not.toContain(provider.clientSecret);
    expect(logs).not.toContain(WRONG_SECRET);
  });

  it("refuses bad fields with INVALID_ARGUMENT naming them, and another tenant's auth config with NOT_FOUND", async () => {
    const accounts = connectClient(AccountsService, gateway.url, tenant.orgKey);
    const created = await createConfig(WRONG_SECRET);
    const cases: Array<[string, Record<string, unknown>]> = [
      ["token_url", { tokenUrl: "http://provider.example.com/token" }],
      ["revoke_url", { revokeUrl: "https://169.254.169.254/latest/meta-data" }],
      ["token_url", { tokenUrl: "" }],
      ["name", { name: "  " }],
      ["client_secret", { clientSecret: "" }],
      ["client_auth", { clientAuth: ClientAuth.UNSPECIFIED }],
      ["response_style", { responseStyle: 99 }],
    ];
    for (const [field, change] of cases) {
      const error = await accounts.updateAuthConfig({ authConfigId: created.id, ...change }).then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
      expect(error?.code, field).toBe(Code.InvalidArgument);
      expect(error?.rawMessage, field).toContain(field);
    }
    expect(await codeOf(accounts.updateAuthConfig({ authConfigId: "nope", name: "x" }))).toBe(
      Code.InvalidArgument,
    );

    const other = await createTenant(gateway, "someone-else", 0);
    const stranger = connectClient(AccountsService, gateway.url, other.orgKey);
    expect(await codeOf(stranger.updateAuthConfig({ authConfigId: created.id, name: "mine" }))).toBe(
      Code.NotFound,
    );
    // A key bound to another project of the same org does not see it either.
    const bound = connectClient(AccountsService, gateway.url, tenant.projectKey);
    expect(await codeOf(bound.updateAuthConfig({ authConfigId: created.id, name: "mine" }))).toBe(
      Code.NotFound,
    );
    await accounts.deleteAuthConfig({ authConfigId: created.id });
    expect(await codeOf(accounts.updateAuthConfig({ authConfigId: created.id, name: "gone" }))).toBe(
      Code.NotFound,
    );
  });

  it("a rejected client trips the breaker (bounded provider calls, COMPLETED_WITH_FAILURES); after the secret is fixed, RetryRevokeJob revokes the rest", async () => {
    const accounts = connectClient(AccountsService, gateway.url, tenant.orgKey);
    const jobs = connectClient(JobsService, gateway.url, tenant.orgKey);
    const config = await createConfig(WRONG_SECRET);
    const refreshTokens: string[] = [];
    for (let i = 0; i < 60; i++) {
      const refreshToken = `rt-SECRET-breaker-${i}-${config.id}`;
      refreshTokens.push(refreshToken);
      await accounts.createConnectedAccount({
        authConfigId: config.id,
        externalUserId: `breaker-user-${i}`,
        accessToken: `at-SECRET-breaker-${i}`,
        refreshToken,
      });
    }
    const callsBefore = provider.counters.revokeCalls;
    const { job } = await jobs.createRevokeJob({ scope: { kind: ScopeKind.AUTH_CONFIG, id: config.id } });
    const finished = await waitFor(
      async () => {
        const got = (await jobs.getRevokeJob({ jobId: job!.id })).job!;
        return got.status === JobStatus.COMPLETED_WITH_FAILURES || got.status === JobStatus.COMPLETED
          ? got
          : undefined;
      },
      { message: "the job to finish", timeoutMs: 60_000 },
    );
    expect(finished!.status).toBe(JobStatus.COMPLETED_WITH_FAILURES);
    expect(finished!.counts).toMatchObject({ total: 60n, failed: 60n, revoked: 0n });
    const calls = provider.counters.revokeCalls - callsBefore;
    expect(calls).toBeLessThanOrEqual(THRESHOLD + PER_AUTH_CONFIG - 1);

    await accounts.updateAuthConfig({ authConfigId: config.id, clientSecret: provider.clientSecret });
    await jobs.retryRevokeJob({ jobId: job!.id });
    const retried = await waitFor(
      async () => {
        const got = (await jobs.getRevokeJob({ jobId: job!.id })).job!;
        return got.run === 2 && got.status === JobStatus.COMPLETED ? got : undefined;
      },
      { message: "the retry to complete", timeoutMs: 60_000 },
    );
    expect(retried!.counts).toMatchObject({ total: 60n, revoked: 60n, failed: 0n });
    for (const token of refreshTokens) expect(provider.revokeCount(token)).toBe(1);

    const logs = gateway.logLines.join("") + executor.logLines.join("");
    expect(logs).not.toContain(WRONG_SECRET);
    expect(logs).not.toContain(provider.clientSecret);
    for (const token of refreshTokens) expect(logs).not.toContain(token);
  });
});
