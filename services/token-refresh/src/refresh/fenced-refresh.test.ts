import { openAccountToken } from "@warden/crypto";
import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTokenRefreshDeps } from "../build-token-refresh.js";
import { findTokenAccount, type TokenAccount } from "../repositories/token-accounts.repository.js";
import { reconnectLikeGateway, seedAccount, seedTenant, type TestTenant } from "../test-fixtures.js";
import { openTestInfrastructure, testSettings, type TestInfrastructure } from "../test-token-refresh.js";

let infra: TestInfrastructure;
let provider: MockProvider;
let tenant: TestTenant;

// Without rotation the paused leader's late write is a plausible token the
// fence must still refuse (with rotation the provider itself would reject the
// second call, which hides what this test is about).
beforeAll(async () => {
  infra = await openTestInfrastructure("fenced");
  provider = await startMockProvider({ rotateRefreshTokens: false });
  tenant = await seedTenant(infra.database.db, infra.keyring, provider);
});
afterAll(async () => {
  await provider?.close();
  await infra?.close();
});

const LOCK_TTL_MS = 300;

/** A replica's refresh machinery on the shared connections, optionally paused after its provider call. */
function replica(pause?: Promise<void>, entered?: () => void) {
  return buildTokenRefreshDeps({
    settings: testSettings(infra.namespace, {
      WARDEN_REFRESH_LOCK_TTL_MS: LOCK_TTL_MS,
      WARDEN_PROVIDER_TIMEOUT_MS: 200,
      WARDEN_TOKEN_CACHE_MS: 0,
    }),
    db: infra.database.db,
    redis: infra.redis,
    bus: infra.bus,
    keyring: infra.keyring,
    logger: infra.logger,
    ...(pause
      ? {
          hooks: {
            async afterProviderCall() {
              entered?.();
              await pause;
            },
          },
        }
      : {}),
  });
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

function accessOf(account: TokenAccount): string {
  return openAccountToken(
    infra.keyring,
    { authConfigId: account.auth_config_id, externalUserId: account.external_user_id },
    "access",
    { ciphertext: account.access_token_ciphertext!, keyId: account.token_key_id! },
  );
}

async function storedAccess(id: string): Promise<{ access: string; version: number }> {
  const row = (await findTokenAccount(infra.database.db, id))!;
  return { access: accessOf(row), version: row.token_version };
}

describe("the fenced token write", () => {
  it("a leader paused past its lock's expiry cannot overwrite the newer token written by the next leader", async () => {
    const seed = provider.issueTokens();
    const id = await seedAccount(infra.database.db, infra.keyring, tenant, {
      access: seed.access_token,
      refresh: seed.refresh_token,
      expiresAt: new Date(0),
    });
    const seen = (await findTokenAccount(infra.database.db, id))!;
    const pause = gate();
    const paused = gate();
    const slow = replica(pause.opened, paused.open);
    const next = replica();

    const slowResult = slow.coordinator.refresh(seen);
    await paused.opened; // the slow leader has its new token in hand and stops, like a GC pause
    await new Promise((resolve) => setTimeout(resolve, LOCK_TTL_MS * 3)); // its lock expires meanwhile
    const nextResult = await next.coordinator.refresh(seen);
    expect(nextResult.refreshed).toBe(true);
    const afterNext = await storedAccess(id);
    expect(afterNext).toEqual({ access: accessOf(nextResult.account), version: 1 });

    pause.open();
    const late = await slowResult;
    const final = await storedAccess(id);
    expect(final).toEqual(afterNext); // the newer token survived
    expect(late.account.token_version).toBe(1);
    // The slow leader's caller got the newer token, not the one it discarded.
    expect(accessOf(late.account)).toBe(final.access);
    expect((await slow.metrics.fencedWritesRejected.get()).values[0]?.value).toBe(1);
    expect(provider.counters.refreshCalls).toBe(2);
    slow.close();
    next.close();
  });

  it("a refresh in flight during a reconnect cannot overwrite the reconnected tokens", async () => {
    const seed = provider.issueTokens();
    const id = await seedAccount(infra.database.db, infra.keyring, tenant, {
      access: seed.access_token,
      refresh: seed.refresh_token,
      expiresAt: new Date(0),
    });
    const seen = (await findTokenAccount(infra.database.db, id))!;
    const pause = gate();
    const paused = gate();
    const leader = replica(pause.opened, paused.open);
    const result = leader.coordinator.refresh(seen);
    await paused.opened;
    const fresh = provider.issueTokens();
    await reconnectLikeGateway(infra.database.db, infra.redis, infra.keyring, id, {
      access: fresh.access_token,
      refresh: fresh.refresh_token,
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    pause.open();
    await result;
    expect(await storedAccess(id)).toEqual({ access: fresh.access_token, version: 1 });
    leader.close();
  });
});
