// Three real token-refresh processes on one namespace, against the mock
// provider over real HTTP with refresh-token rotation and reuse detection:
// the race that kills connections in other platforms must not happen here.
import { openAccountToken } from "@warden/crypto";
import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import {
  freePort,
  startPrivateRedis,
  startServiceProcess,
  type PrivateServer,
  type ServiceProcess,
} from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedAccount, seedTenant, type TestTenant } from "./test-fixtures.js";
import { openTestInfrastructure, tokensClient, type TestInfrastructure } from "./test-token-refresh.js";

const REPLICAS = 3;
const ACCOUNTS = 50;
const CALLS = 1_000;

let infra: TestInfrastructure;
let provider: MockProvider;
let tenant: TestTenant;
let privateRedis: PrivateServer | undefined;
const processes: ServiceProcess[] = [];
const secrets: string[] = [];

interface Replica {
  url: string;
  metricsUrl: string;
  process: ServiceProcess;
}

beforeAll(async () => {
  infra = await openTestInfrastructure("replicas");
  provider = await startMockProvider({
    latencyMs: 200,
    rotateRefreshTokens: true,
    clientSecret: "replica-client-secret-31c0",
  });
  tenant = await seedTenant(infra.database.db, infra.keyring, provider);
  secrets.push(provider.clientSecret, tenant.apiKey, infra.encryptionKeys.split(":")[1]!);
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  // Every line every replica printed (debug level), searched for every secret of the run.
  const logs = processes.flatMap((p) => p.logs()).join("\n");
  expect(logs.length).toBeGreaterThan(0);
  const stored = await infra.database.db.selectFrom("connected_accounts").selectAll().execute();
  for (const row of stored) {
    const binding = { authConfigId: row.auth_config_id, externalUserId: row.external_user_id };
    secrets.push(
      openAccountToken(infra.keyring, binding, "refresh", {
        ciphertext: row.refresh_token_ciphertext!,
        keyId: row.token_key_id!,
      }),
    );
  }
  for (const secret of secrets) expect(logs).not.toContain(secret);
  await privateRedis?.dispose();
  await provider?.close();
  await infra?.close();
}, 120_000);

async function startReplicas(redisUrl: string): Promise<Replica[]> {
  const replicas = await Promise.all(
    Array.from({ length: REPLICAS }, async (_, i) => {
      const [port, probePort] = [await freePort(), await freePort()];
      const process_ = startServiceProcess({
        entry: "services/token-refresh/src/main.ts",
        name: `token-refresh-${i}`,
        env: {
          WARDEN_NAMESPACE: infra.namespace,
          REDIS_URL: redisUrl,
          WARDEN_TOKENS_PORT: String(port),
          WARDEN_PROBE_PORT: String(probePort),
          WARDEN_ENCRYPTION_KEYS: infra.encryptionKeys,
          WARDEN_DB_POOL_SIZE: "12",
          // Short, so the fallback's wait for leaders elected before Redis died stays short too.
          WARDEN_PROVIDER_TIMEOUT_MS: "3000",
          WARDEN_REFRESH_LOCK_TTL_MS: "6000",
          LOG_LEVEL: "debug",
        },
      });
      processes.push(process_);
      await process_.waitForReady(`http://127.0.0.1:${probePort}/readyz`, 60_000);
      return {
        url: `http://127.0.0.1:${port}`,
        metricsUrl: `http://127.0.0.1:${probePort}/metrics`,
        process: process_,
      };
    }),
  );
  return replicas;
}

async function expiredAccounts(count: number) {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const seed = provider.issueTokens();
      secrets.push(seed.access_token, seed.refresh_token);
      const id = await seedAccount(infra.database.db, infra.keyring, tenant, {
        access: seed.access_token,
        refresh: seed.refresh_token,
        expiresAt: new Date(Date.now() - 60_000),
      });
      return { id, seed };
    }),
  );
}

/** 1,000 concurrent GetAccessToken calls spread over the accounts and the replicas; asserts one provider call per account. */
async function stampede(replicas: Replica[]) {
  const accounts = await expiredAccounts(ACCOUNTS);
  const clients = replicas.map((r) => tokensClient(r.url, tenant.apiKey));
  // Steady state: each replica has seen the API key once (its 2 s key cache is warm).
  const [warm] = await expiredAccounts(1);
  await Promise.all(
    clients.map((client) => client.getAccessToken({ accountId: warm!.id, minValidSeconds: 60 })),
  );
  const before = {
    calls: provider.counters.refreshCalls,
    invalidGrant: provider.counters.invalidGrant,
    reuse: provider.counters.reuseDetections,
  };
  const answers = await Promise.all(
    Array.from({ length: CALLS }, async (_, i) => {
      const account = accounts[i % ACCOUNTS]!;
      const answer = await clients[i % REPLICAS]!.getAccessToken({
        accountId: account.id,
        minValidSeconds: 60,
      });
      return { accountId: account.id, accessToken: answer.accessToken };
    }),
  );
  for (const { accessToken } of answers) secrets.push(accessToken);

  expect(provider.counters.refreshCalls - before.calls).toBe(ACCOUNTS);
  for (const { seed } of accounts)
    expect(provider.counters.refreshCallsByToken.get(seed.refresh_token)).toBe(1);
  expect(provider.counters.invalidGrant - before.invalidGrant).toBe(0);
  expect(provider.counters.reuseDetections - before.reuse).toBe(0);

  // Every caller got the new token: the one stored, live at the provider, the same for all callers of an account.
  const rows = await infra.database.db
    .selectFrom("connected_accounts")
    .selectAll()
    .where(
      "id",
      "in",
      accounts.map((a) => a.id),
    )
    .execute();
  const stored = new Map(
    rows.map((row) => [
      row.id,
      openAccountToken(
        infra.keyring,
        { authConfigId: row.auth_config_id, externalUserId: row.external_user_id },
        "access",
        {
          ciphertext: row.access_token_ciphertext!,
          keyId: row.token_key_id!,
        },
      ),
    ]),
  );
  for (const row of rows) expect(row).toMatchObject({ status: "active", token_version: 1 });
  for (const answer of answers) expect(answer.accessToken).toBe(stored.get(answer.accountId));
  for (const token of stored.values()) expect(provider.isAccessTokenLive(token)).toBe(true);
  for (const { seed } of accounts) expect(provider.isAccessTokenLive(seed.access_token)).toBe(true);
}

async function metric(replicas: Replica[], name: string): Promise<number> {
  let total = 0;
  for (const replica of replicas) {
    const text = await (await fetch(replica.metricsUrl)).text();
    for (const line of text.split("\n")) if (line.startsWith(name)) total += Number(line.split(" ").pop());
  }
  return total;
}

describe("three token-refresh replicas", () => {
  it("1,000 concurrent calls over 50 expired accounts make exactly 50 provider refreshes, with no invalid_grant", async () => {
    const replicas = await startReplicas(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
    await stampede(replicas);
    expect(await metric(replicas, "warden_token_refresh_coalesced_waiters_total")).toBeGreaterThan(0);
    expect(await metric(replicas, "warden_token_refresh_lock_fallbacks_total")).toBe(0);
    expect(await Promise.all(replicas.map((r) => r.process.stop()))).toEqual([0, 0, 0]); // graceful SIGTERM
  }, 180_000);

  it("with Redis stopped, the PostgreSQL advisory lock still allows one provider refresh per account", async () => {
    privateRedis = await startPrivateRedis();
    const replicas = await startReplicas(privateRedis.url);
    await privateRedis.stop();
    await stampede(replicas);
    expect(await metric(replicas, "warden_token_refresh_lock_fallbacks_total")).toBeGreaterThanOrEqual(
      ACCOUNTS,
    );
    expect(await Promise.all(replicas.map((r) => r.process.stop()))).toEqual([0, 0, 0]); // graceful SIGTERM
  }, 180_000);
});
