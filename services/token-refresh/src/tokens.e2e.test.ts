// End to end, as deployed: jobs-gateway, token-refresh and sweeper processes
// on one namespace. Refresh-ahead happens with no caller asking; lease tokens
// authorise their own account only and stop working when the lease ends.
import { randomBytes } from "node:crypto";
import { fromBinary } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { openAccountToken } from "@warden/crypto";
import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { AccountsService, AccountStatus } from "@warden/proto/accounts/v1";
import { LeaseEventSchema } from "@warden/proto/events/v1";
import { LeasesService, LeaseStatus, type Lease } from "@warden/proto/leases/v1";
import { TokensService } from "@warden/proto/tokens/v1";
import { waitFor } from "@warden/testkit";
import { connect, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient } from "../../jobs-gateway/src/test-clients.js";
import {
  findSecretsInLines,
  openE2eStack,
  type E2eStack,
  type NamedSecret,
  type RunningService,
} from "../../jobs-gateway/src/test-e2e-stack.js";
import {
  connectAccountThroughApi,
  createTenantThroughApi,
  type E2eTenant,
} from "../../jobs-gateway/src/test-e2e-tenant.js";

const MINUTE = 60_000;
const SWEEP_MS = 1_500;

let stack: E2eStack;
let provider: MockProvider;
let gateway: RunningService;
let tokenRefresh: RunningService;
let tenant: E2eTenant;
let nc: NatsConnection;
/** Every lease event seen on core NATS: `<kind>` by lease id. */
const leaseEvents: { leaseId: string; kind: string; lease: Lease; payload: string }[] = [];
const secrets: NamedSecret[] = [];

beforeAll(async () => {
  stack = openE2eStack("tokens_e2e");
  provider = await startMockProvider({ clientSecret: `tokens-secret-${randomBytes(12).toString("hex")}` });
  gateway = await stack.startGateway();
  [tokenRefresh] = await Promise.all([
    stack.startTokenRefresh(),
    // Every task every 1.5 s (the per-task variables are exercised by sweeper.e2e.test.ts).
    stack.startSweeper({ WARDEN_SWEEPER_INTERVAL_MS: String(SWEEP_MS) }),
  ]);
  tenant = await createTenantThroughApi(gateway.url, stack.adminKey, provider);
  secrets.push(
    { label: "admin key", value: stack.adminKey },
    { label: "encryption key", value: stack.encryptionKey },
    { label: "client secret", value: provider.clientSecret },
    { label: "API key", value: tenant.apiKey },
  );
  nc = await connect({ servers: stack.urls.nats.split(","), name: `${stack.namespace}:e2e-listener` });
  nc.subscribe(`${stack.namespace}.events.lease.*.*`, {
    callback: (error, msg) => {
      if (error) return;
      const [, , , leaseId, kind] = msg.subject.split(".");
      leaseEvents.push({
        leaseId: leaseId!,
        kind: kind!,
        lease: fromBinary(LeaseEventSchema, msg.data).lease!,
        payload: Buffer.from(msg.data).toString("latin1"),
      });
    },
  });
  await nc.flush();
}, 180_000);

afterAll(async () => {
  await nc?.close();
  await stack?.close();
  await provider?.close();
}, 120_000);

async function connectAccount(name: string, expiresInMs: number) {
  const account = await connectAccountThroughApi(
    gateway.url,
    tenant,
    provider,
    name,
    new Date(Date.now() + expiresInMs),
  );
  secrets.push(
    { label: `access token of ${name}`, value: account.tokens.access_token },
    { label: `refresh token of ${name}`, value: account.tokens.refresh_token },
  );
  return account;
}

async function tokenVersion(accountId: string): Promise<number> {
  const row = await stack.database.db
    .selectFrom("connected_accounts")
    .select("token_version")
    .where("id", "=", accountId)
    .executeTakeFirstOrThrow();
  return Number(row.token_version);
}

/** The refresh token token-refresh stored for the account, opened with the stack's key. */
async function storedRefreshToken(accountId: string): Promise<string> {
  const row = await stack.database.db
    .selectFrom("connected_accounts")
    .selectAll()
    .where("id", "=", accountId)
    .executeTakeFirstOrThrow();
  return openAccountToken(
    stack.keyring,
    { authConfigId: row.auth_config_id, externalUserId: row.external_user_id },
    "refresh",
    { ciphertext: row.refresh_token_ciphertext!, keyId: row.token_key_id! },
  );
}

async function expectCode(call: Promise<unknown>, code: Code): Promise<ConnectError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => ConnectError.from(e),
  );
  expect(error, `expected ${Code[code]}`).toBeDefined();
  expect(Code[error!.code]).toBe(Code[code]);
  return error!;
}

describe("tokens end to end (gateway + token-refresh + sweeper as processes)", () => {
  it("refreshes accounts expiring inside the window ahead of time, with no caller asking", async () => {
    // Counted before the accounts exist: the sweeper may refresh one as soon as it is connected.
    const callsBefore = provider.counters.refreshCalls;
    const due = await Promise.all([1, 2, 3].map((i) => connectAccount(`due-${i}`, 2 * MINUTE)));
    const later = await connectAccount("later", 60 * MINUTE);
    const laterVersion = await tokenVersion(later.id);

    // Only the sweeper (refresh-ahead → refresh.due) and token-refresh's consumer act here. The
    // stored refresh token changing is the write itself, not a version read that a refresh racing
    // this test's first read could already have moved.
    await waitFor(
      async () => {
        const stored = await Promise.all(due.map((a) => storedRefreshToken(a.id)));
        return stored.every((token, i) => token !== due[i]!.tokens.refresh_token);
      },
      {
        message: "the stored refresh token of every due account to rotate",
        timeoutMs: 90_000,
        intervalMs: 250,
      },
    );
    expect(provider.counters.refreshCalls - callsBefore).toBeGreaterThanOrEqual(due.length);
    for (const account of due) {
      // One provider call per account: a second would have presented a rotated token (invalid_grant).
      expect(provider.counters.refreshCallsByToken.get(account.tokens.refresh_token)).toBe(1);
      expect(provider.isRefreshTokenLive(account.tokens.refresh_token)).toBe(false);
      const rotated = await storedRefreshToken(account.id);
      expect(provider.isRefreshTokenLive(rotated)).toBe(true);
      secrets.push({ label: `rotated refresh token of ${account.id}`, value: rotated });
    }
    expect(provider.counters.invalidGrant).toBe(0);
    expect(await tokenVersion(later.id)).toBe(laterVersion);
    expect(provider.counters.refreshCallsByToken.get(later.tokens.refresh_token) ?? 0).toBe(0);

    // A caller now gets the new token as stored: no refresh of its own.
    const tokens = connectClient(TokensService, tokenRefresh.url, tenant.apiKey);
    const accounts = connectClient(AccountsService, gateway.url, tenant.apiKey);
    const callsAfterRefresh = provider.counters.refreshCalls;
    for (const account of due) {
      const answer = await tokens.getAccessToken({ accountId: account.id, minValidSeconds: 60 });
      secrets.push({ label: `refreshed access token of ${account.id}`, value: answer.accessToken });
      expect(answer.refreshed).toBe(false);
      expect(answer.accessToken).not.toBe(account.tokens.access_token);
      expect(provider.isAccessTokenLive(answer.accessToken)).toBe(true);
      expect(timestampDate(answer.expiresAt!).getTime()).toBeGreaterThan(Date.now() + 30 * MINUTE);
      const { account: seen } = await accounts.getConnectedAccount({ accountId: account.id });
      expect(seen!.status).toBe(AccountStatus.ACTIVE);
      expect(seen!.lastRefreshedAt).toBeDefined();
    }
    expect(provider.counters.refreshCalls).toBe(callsAfterRefresh);
  }, 180_000);

  it("a lease token reads its own account only, and is refused once the lease expires, is checked in or revoked", async () => {
    const leased = await connectAccount("leased", 60 * MINUTE);
    const other = await connectAccount("other", 60 * MINUTE);
    const leases = connectClient(LeasesService, gateway.url, tenant.apiKey);
    const checkout = async (holder: string, ttl: string) => {
      const answer = await leases.checkoutAccount({ accountId: leased.id, holder, ttl, purpose: "e2e" });
      secrets.push({ label: `lease token of ${holder}`, value: answer.leaseToken });
      expect(answer.lease!.status).toBe(LeaseStatus.ACTIVE);
      return {
        lease: answer.lease!,
        tokens: connectClient(TokensService, tokenRefresh.url, answer.leaseToken),
      };
    };

    // The shortest ttl; its expiry is then moved into the past instead of waiting a minute.
    const short = await checkout("agent-expiring", "1m");
    expect(timestampDate(short.lease.expiresAt!).getTime() - Date.now()).toBeLessThanOrEqual(MINUTE);
    const own = await short.tokens.getAccessToken({ accountId: leased.id });
    expect(own.accessToken).toBe(leased.tokens.access_token);
    expect(own.refreshed).toBe(false);
    await expectCode(short.tokens.getAccessToken({ accountId: other.id }), Code.NotFound);
    await expectCode(short.tokens.refreshAccessToken({ accountId: other.id }), Code.NotFound);

    await stack.database.db
      .updateTable("leases")
      .set({ expires_at: new Date(Date.now() - 1_000) })
      .where("id", "=", short.lease.id)
      .execute();
    // Refused at once, before any sweep ...
    await expectCode(short.tokens.getAccessToken({ accountId: leased.id }), Code.Unauthenticated);
    // ... and the sweeper's leases-expiry makes it final and announces it.
    await waitFor(() => leaseEvents.some((e) => e.leaseId === short.lease.id && e.kind === "expired"), {
      message: "an expired event for the lease on core NATS",
      timeoutMs: 60_000,
    });
    const expiredEvent = leaseEvents.find((e) => e.leaseId === short.lease.id && e.kind === "expired")!;
    expect(expiredEvent.lease).toMatchObject({ id: short.lease.id, status: LeaseStatus.EXPIRED });
    const { lease: expired } = await leases.getLease({ leaseId: short.lease.id });
    expect(expired!.status).toBe(LeaseStatus.EXPIRED);
    expect(expired!.endedAt).toBeDefined();
    await expectCode(short.tokens.getAccessToken({ accountId: leased.id }), Code.Unauthenticated);

    const checkedIn = await checkout("agent-checkin", "1h");
    expect((await checkedIn.tokens.getAccessToken({ accountId: leased.id })).accessToken).toBe(
      leased.tokens.access_token,
    );
    expect((await leases.checkinLease({ leaseId: checkedIn.lease.id })).lease!.status).toBe(
      LeaseStatus.CHECKED_IN,
    );
    await expectCode(checkedIn.tokens.getAccessToken({ accountId: leased.id }), Code.Unauthenticated);

    const revoked = await checkout("agent-revoked", "7d");
    expect((await revoked.tokens.getAccessToken({ accountId: leased.id })).refreshed).toBe(false);
    expect((await leases.revokeLease({ leaseId: revoked.lease.id })).lease!.status).toBe(LeaseStatus.REVOKED);
    await expectCode(revoked.tokens.getAccessToken({ accountId: leased.id }), Code.Unauthenticated);

    // Each state change was announced on NATS, once.
    const kinds = (leaseId: string) => leaseEvents.filter((e) => e.leaseId === leaseId).map((e) => e.kind);
    await waitFor(() => kinds(revoked.lease.id).includes("revoked"), {
      message: "the revoked lease event",
      timeoutMs: 30_000,
    });
    expect(kinds(short.lease.id).sort()).toEqual(["checked_out", "expired"]);
    expect(kinds(checkedIn.lease.id).sort()).toEqual(["checked_in", "checked_out"]);
    expect(kinds(revoked.lease.id).sort()).toEqual(["checked_out", "revoked"]);
    // Lease tokens (or any other secret) never show up in the events' bytes.
    expect(
      findSecretsInLines(
        leaseEvents.map((e) => e.payload),
        secrets,
      ),
    ).toEqual([]);
  }, 180_000);

  it("never logs a token, client secret, API key, lease token or the encryption key in any process", async () => {
    const codes = await stack.stopAll();
    const lines = stack.logs();
    expect(lines.join("\n")).toContain("refresh.due handled");
    expect(findSecretsInLines(lines, secrets)).toEqual([]);
    for (const [name, code] of Object.entries(codes)) expect({ name, code }).toEqual({ name, code: 0 });
  }, 120_000);
});
