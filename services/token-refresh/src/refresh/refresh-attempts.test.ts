// The attempt recorded before each provider call, in one process with
// several coordinators on the real PostgreSQL, Redis and NATS: what the next
// leader concludes from an attempt that was never answered.
import { fromBinary } from "@bufbuild/protobuf";
import type { WardenError } from "@warden/errors";
import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { AccountEventSchema, type AccountEvent } from "@warden/proto/events/v1";
import { TokenFailureSchema } from "@warden/proto/tokens/v1";
import { waitFor } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTokenRefreshDeps } from "../build-token-refresh.js";
import { recordRefreshAttempt } from "../repositories/refresh-attempts.repository.js";
import { findTokenAccount } from "../repositories/token-accounts.repository.js";
import { seedAccount, seedTenant, type TestTenant } from "../test-fixtures.js";
import { openTestInfrastructure, testSettings, type TestInfrastructure } from "../test-token-refresh.js";
import type { RefreshHooks } from "./refresh-as-leader.js";

let infra: TestInfrastructure;
let provider: MockProvider;
let tenant: TestTenant;
const events: { subject: string; event: AccountEvent }[] = [];

beforeAll(async () => {
  infra = await openTestInfrastructure("attempts");
  provider = await startMockProvider({ rotateRefreshTokens: true });
  tenant = await seedTenant(infra.database.db, infra.keyring, provider);
  infra.bus.nc.subscribe(`${infra.namespace}.events.account.>`, {
    callback: (error, msg) => {
      if (!error) events.push({ subject: msg.subject, event: fromBinary(AccountEventSchema, msg.data) });
    },
  });
  await infra.bus.nc.flush();
});
afterAll(async () => {
  await provider?.close();
  await infra?.close();
});

/** One replica's refresh machinery on the shared connections: a short lock, so a frozen leader's lock expires soon. */
function replica(hooks?: RefreshHooks) {
  return buildTokenRefreshDeps({
    settings: testSettings(infra.namespace, {
      WARDEN_REFRESH_LOCK_TTL_MS: 400,
      WARDEN_REFRESH_WAIT_MS: 500,
      WARDEN_PROVIDER_TIMEOUT_MS: 3_000,
      WARDEN_TOKEN_CACHE_MS: 0,
    }),
    db: infra.database.db,
    redis: infra.redis,
    bus: infra.bus,
    keyring: infra.keyring,
    logger: infra.logger,
    ...(hooks ? { hooks } : {}),
  });
}

async function expiredAccount() {
  const seed = provider.issueTokens();
  const id = await seedAccount(infra.database.db, infra.keyring, tenant, {
    access: seed.access_token,
    refresh: seed.refresh_token,
    expiresAt: new Date(0),
  });
  return { id, seed, seen: (await findTokenAccount(infra.database.db, id))! };
}

async function attemptColumns(id: string) {
  return infra.database.db
    .selectFrom("connected_accounts")
    .select([
      "status",
      "status_reason",
      "token_version",
      "refresh_attempt_id",
      "refresh_attempt_token_version",
      "refresh_attempt_started_at",
      "refresh_attempt_replica",
    ])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
}

function failureOf(error: unknown) {
  const detail = (error as WardenError).details.find((d) => d.desc.typeName === TokenFailureSchema.typeName);
  return { kind: (error as WardenError).kind, failure: detail?.value };
}

const counter = async (c: { get(): Promise<{ values: { value: number }[] }> }) =>
  (await c.get()).values[0]?.value ?? 0;

describe("refresh attempts", () => {
  it("are on the account, committed, while the provider call's answer is in hand, and its write clears them", async () => {
    const { id, seed } = await expiredAccount();
    let during: Awaited<ReturnType<typeof attemptColumns>> | undefined;
    const leader = replica({
      async afterProviderCall(accountId) {
        during = await attemptColumns(accountId); // read on another pooled connection: committed
      },
    });
    const result = await leader.coordinator.refresh((await findTokenAccount(infra.database.db, id))!);
    expect(result.refreshed).toBe(true);
    expect(during).toMatchObject({
      refresh_attempt_id: expect.any(String),
      refresh_attempt_token_version: 0,
      refresh_attempt_started_at: expect.any(Date),
      refresh_attempt_replica: expect.stringMatching(/:\d+$/),
    });
    expect(await attemptColumns(id)).toMatchObject({
      status: "active",
      token_version: 1,
      refresh_attempt_id: null,
      refresh_attempt_token_version: null,
      refresh_attempt_started_at: null,
      refresh_attempt_replica: null,
    });
    expect(provider.counters.refreshCallsByToken.get(seed.refresh_token)).toBe(1);
    leader.close();
  });

  it("a leader frozen after the provider rotated leaves the account rotation_lost at the next refresh, with the reason in the event", async () => {
    const { id, seed, seen } = await expiredAccount();
    let frozen!: () => void;
    const answered = new Promise<void>((resolve) => (frozen = resolve));
    // Never resumes, like a process killed between the answer and the write.
    const dying = replica({
      async afterProviderCall() {
        frozen();
        await new Promise(() => {});
      },
    });
    void dying.coordinator.refresh(seen);
    await answered;
    expect(provider.isRefreshTokenLive(seed.refresh_token)).toBe(false); // rotated; the answer died

    const next = replica();
    const error = await next.coordinator.refresh(seen).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failureOf(error)).toMatchObject({
      kind: "failed_precondition",
      failure: { reason: "NEEDS_RECONNECT", providerError: "rotation_lost", accountId: id },
    });
    expect(await attemptColumns(id)).toMatchObject({
      status: "needs_reconnect",
      status_reason: "rotation_lost",
      refresh_attempt_id: null,
    });
    expect(provider.counters.refreshCallsByToken.get(seed.refresh_token)).toBe(2);
    expect(await counter(next.metrics.unresolvedAttempts)).toBe(1);
    expect(await counter(next.metrics.rotationsLost)).toBe(1);
    const event = await waitFor(() => events.find((e) => e.subject.endsWith(`${id}.needs_reconnect`)), {
      message: "the needs_reconnect event",
    });
    expect(event!.event).toMatchObject({
      accountId: id,
      statusReason: "rotation_lost",
      errorCode: "invalid_grant",
    });

    // Loud once, then quiet: the next caller is refused without a provider call.
    const calls = provider.counters.refreshCalls;
    const again = await next.coordinator.refresh(seen).catch((e: unknown) => e);
    expect(failureOf(again).failure).toMatchObject({ providerError: "rotation_lost" });
    expect(provider.counters.refreshCalls).toBe(calls);
    next.close();
    dying.close();
  });

  it("an attempt whose process died before the provider answered does not stop the next refresh", async () => {
    const { id, seen } = await expiredAccount();
    await recordRefreshAttempt(infra.database.db, id, {
      attemptId: "died-before-the-call",
      tokenVersion: 0,
      startedAt: new Date(),
      replica: "gone:1",
    });
    const leader = replica();
    const result = await leader.coordinator.refresh(seen);
    expect(result.account).toMatchObject({ status: "active", token_version: 1 });
    expect(await attemptColumns(id)).toMatchObject({ refresh_attempt_id: null, status_reason: null });
    expect(await counter(leader.metrics.unresolvedAttempts)).toBe(1);
    expect(await counter(leader.metrics.rotationsLost)).toBe(0);
    leader.close();
  });

  it("an invalid_grant with no unanswered attempt keeps the provider's own code", async () => {
    const { id, seen } = await expiredAccount();
    provider.configure({ forceError: { token: { status: 400, error: "invalid_grant", times: 1 } } });
    const leader = replica();
    const error = await leader.coordinator.refresh(seen).catch((e: unknown) => e);
    expect(failureOf(error).failure).toMatchObject({ providerError: "invalid_grant" });
    expect(await attemptColumns(id)).toMatchObject({
      status: "needs_reconnect",
      status_reason: "invalid_grant",
      refresh_attempt_id: null,
    });
    leader.close();
  });

  it("an HTTP 503 settles the attempt, but a timeout (the provider may have rotated) leaves it recorded", async () => {
    const leader = replica();
    const refused = await expiredAccount();
    provider.configure({
      forceError: { token: { status: 503, error: "temporarily_unavailable", times: 1 } },
    });
    expect(failureOf(await leader.coordinator.refresh(refused.seen).catch((e: unknown) => e)).kind).toBe(
      "unavailable",
    );
    expect(await attemptColumns(refused.id)).toMatchObject({ status: "active", refresh_attempt_id: null });

    const slow = await expiredAccount();
    const impatient = buildTokenRefreshDeps({
      settings: testSettings(infra.namespace, { WARDEN_PROVIDER_TIMEOUT_MS: 300, WARDEN_TOKEN_CACHE_MS: 0 }),
      db: infra.database.db,
      redis: infra.redis,
      bus: infra.bus,
      keyring: infra.keyring,
      logger: infra.logger,
    });
    provider.configure({ answerLatencyMs: 5_000 });
    try {
      expect(failureOf(await impatient.coordinator.refresh(slow.seen).catch((e: unknown) => e)).kind).toBe(
        "unavailable",
      );
    } finally {
      provider.configure({ answerLatencyMs: 0 });
    }
    expect(await attemptColumns(slow.id)).toMatchObject({
      status: "active",
      refresh_attempt_id: expect.any(String),
      refresh_attempt_token_version: 0,
    });
    leader.close();
    impatient.close();
  });
});
