import { busNames, publishWork } from "@warden/bus";
import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { RefreshDueSchema } from "@warden/proto/work/v1";
import { waitFor } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTokenRefreshDeps } from "../build-token-refresh.js";
import { findTokenAccount } from "../repositories/token-accounts.repository.js";
import { seedAccount, seedTenant, type TestTenant } from "../test-fixtures.js";
import { openTestInfrastructure, testSettings, type TestInfrastructure } from "../test-token-refresh.js";
import { handleRefreshDue, runRefreshDueConsumer } from "./refresh-due-consumer.js";

let infra: TestInfrastructure;
let provider: MockProvider;
let tenant: TestTenant;

beforeAll(async () => {
  infra = await openTestInfrastructure("refresh_due");
  provider = await startMockProvider();
  tenant = await seedTenant(infra.database.db, infra.keyring, provider);
});
afterAll(async () => {
  await provider?.close();
  await infra?.close();
});

function deps() {
  return buildTokenRefreshDeps({
    settings: testSettings(infra.namespace),
    db: infra.database.db,
    redis: infra.redis,
    bus: infra.bus,
    keyring: infra.keyring,
    logger: infra.logger,
  });
}

async function account(expiresInMs: number) {
  const seed = provider.issueTokens();
  return seedAccount(infra.database.db, infra.keyring, tenant, {
    access: seed.access_token,
    refresh: seed.refresh_token,
    expiresAt: new Date(Date.now() + expiresInMs),
  });
}

describe("the refresh.due consumer", () => {
  it("refreshes accounts about to expire, once, and skips fresh ones", async () => {
    const dueSoon = await account(60_000);
    const fresh = await account(3 * 3_600_000);
    const names = busNames(infra.namespace);
    const before = provider.counters.refreshCalls;
    // The same request three times (three sweeper runs, say) still refreshes once.
    for (const [accountId, msgId] of [
      [dueSoon, "a"],
      [dueSoon, "b"],
      [dueSoon, "c"],
      [fresh, "d"],
      ["not-an-id", "e"],
    ] as const) {
      await publishWork(
        infra.bus.js,
        names.subjects.refreshDue,
        RefreshDueSchema,
        { accountId },
        { msgId: `${infra.namespace}-${msgId}` },
      );
    }
    const d = deps();
    const stop = new AbortController();
    const running = runRefreshDueConsumer(
      d,
      { bus: infra.bus, names, aheadWindowSeconds: 600, concurrency: 4 },
      stop.signal,
    );
    try {
      await waitFor(
        async () => (await infra.bus.jsm.streams.info(names.streams.refreshDue)).state.messages === 0,
        {
          message: "refresh.due drained",
          timeoutMs: 30_000,
        },
      );
    } finally {
      stop.abort();
      await running;
      d.close();
    }
    expect((await findTokenAccount(infra.database.db, dueSoon))!.token_version).toBe(1);
    expect((await findTokenAccount(infra.database.db, fresh))!.token_version).toBe(0);
    expect(provider.counters.refreshCalls - before).toBe(1);
  });

  it("acks terminal failures (the account is marked) and hands transient ones back", async () => {
    const d = deps();
    const terminal = await account(-1_000);
    provider.configure({ forceError: { token: { status: 400, error: "invalid_grant", times: 1 } } });
    expect(await handleRefreshDue(d, terminal, 600)).toMatchObject({ kind: "ack", result: "failed" });
    expect((await findTokenAccount(infra.database.db, terminal))!.status).toBe("needs_reconnect");
    expect(await handleRefreshDue(d, terminal, 600)).toMatchObject({ kind: "ack", result: "skipped" });

    const transient = await account(-1_000);
    provider.configure({ rate5xx: 1 });
    await expect(handleRefreshDue(d, transient, 600)).rejects.toMatchObject({ kind: "unavailable" });
    provider.configure({ rate5xx: 0 });
    expect(await handleRefreshDue(d, transient, 600)).toMatchObject({ kind: "ack", result: "refreshed" });
    d.close();
  });
});
