import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { createRedis, waitForRedis, type Redis } from "@warden/redis";
import { startPrivateRedis, waitFor, type PrivateServer } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTokenRefreshDeps } from "../build-token-refresh.js";
import { findTokenAccount } from "../repositories/token-accounts.repository.js";
import { seedAccount, seedTenant, type TestTenant } from "../test-fixtures.js";
import { openTestInfrastructure, testSettings, type TestInfrastructure } from "../test-token-refresh.js";

let infra: TestInfrastructure;
let provider: MockProvider;
let tenant: TestTenant;
let privateRedis: PrivateServer;
const clients: Redis[] = [];

beforeAll(async () => {
  infra = await openTestInfrastructure("redis_outage");
  provider = await startMockProvider({ rotateRefreshTokens: true, latencyMs: 1_500 });
  tenant = await seedTenant(infra.database.db, infra.keyring, provider);
  privateRedis = await startPrivateRedis();
});
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await privateRedis?.dispose();
  await provider?.close();
  await infra?.close();
});

async function replicaOnPrivateRedis() {
  const redis = createRedis({ url: privateRedis.url, namespace: infra.namespace });
  clients.push(redis);
  await waitForRedis(redis);
  return buildTokenRefreshDeps({
    settings: testSettings(infra.namespace, {
      WARDEN_PROVIDER_TIMEOUT_MS: 3_000,
      WARDEN_REFRESH_LOCK_TTL_MS: 6_000,
    }),
    db: infra.database.db,
    redis,
    bus: infra.bus,
    keyring: infra.keyring,
    logger: infra.logger,
  });
}

describe("Redis dying mid-refresh", () => {
  it("a replica falling back to the advisory lock waits for the leader elected through Redis instead of refreshing again", async () => {
    const leader = await replicaOnPrivateRedis();
    const follower = await replicaOnPrivateRedis();
    const seed = provider.issueTokens();
    const id = await seedAccount(infra.database.db, infra.keyring, tenant, {
      access: seed.access_token,
      refresh: seed.refresh_token,
      expiresAt: new Date(0),
    });
    const seen = (await findTokenAccount(infra.database.db, id))!;

    const leading = leader.coordinator.refresh(seen);
    await waitFor(() => provider.counters.refreshCalls === 1, { message: "the leader to call the provider" });
    await privateRedis.stop();
    const following = await follower.coordinator.refresh(seen);
    const led = await leading;

    expect(provider.counters.refreshCalls).toBe(1);
    expect(provider.counters.invalidGrant).toBe(0);
    expect(led.account.token_version).toBe(1);
    expect(following.account.token_version).toBe(1);
    expect((await follower.metrics.lockFallbacks.get()).values[0]?.value).toBe(1);
    leader.close();
    follower.close();
  });
});
