// End to end, as deployed: jobs-gateway, token-refresh and sweeper processes
// on one namespace, the sweeper configured per task as an operator would, and
// a real local HTTP receiver standing in for the operator's webhook.
import { createHmac, randomBytes } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { AccountsService, AccountStatus } from "@warden/proto/accounts/v1";
import { SweeperService } from "@warden/proto/sweeper/v1";
import { TokenFailureSchema, TokensService } from "@warden/proto/tokens/v1";
import { waitFor } from "@warden/testkit";
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
  startMockProvider,
  type E2eTenant,
  type MockProvider,
} from "../../jobs-gateway/src/test-e2e-tenant.js";
import { startReceiver, type ReceivedRequest, type TestReceiver } from "./notifications/test-receiver.js";

const MINUTE = 60_000;
// What an operator sets: a fast digest and lease expiry, everything else left at its default.
const CONFIGURED_INTERVALS: Record<string, number> = {
  "jobs-recovery": 10_000,
  "refresh-ahead": MINUTE,
  "leases-expiry": 2_000,
  "secrets-purge": 10 * MINUTE,
  "ledger-retention": 60 * MINUTE,
  "reconnect-digest": 1_500,
  "audit-retention": 60 * MINUTE,
  "secrets-reseal": 60 * MINUTE,
};

let stack: E2eStack;
let provider: MockProvider;
let receiver: TestReceiver;
let gateway: RunningService;
let tokenRefresh: RunningService;
let sweeper: RunningService;
let tenant: E2eTenant;
const webhookSecret = `whsec-${randomBytes(16).toString("hex")}`;
const secrets: NamedSecret[] = [];

beforeAll(async () => {
  stack = openE2eStack("sweeper_e2e");
  provider = await startMockProvider({ clientSecret: `sweeper-secret-${randomBytes(12).toString("hex")}` });
  receiver = await startReceiver();
  gateway = await stack.startGateway();
  [tokenRefresh, sweeper] = await Promise.all([
    stack.startTokenRefresh(),
    stack.startSweeper({
      WARDEN_SWEEP_LEASES_EXPIRY_INTERVAL_MS: String(CONFIGURED_INTERVALS["leases-expiry"]),
      WARDEN_SWEEP_RECONNECT_DIGEST_INTERVAL_MS: String(CONFIGURED_INTERVALS["reconnect-digest"]),
      WARDEN_NOTIFY_WEBHOOK_URLS: receiver.url,
      WARDEN_NOTIFY_WEBHOOK_SECRET: webhookSecret,
    }),
  ]);
  tenant = await createTenantThroughApi(gateway.url, stack.adminKey, provider);
  secrets.push(
    { label: "admin key", value: stack.adminKey },
    { label: "encryption key", value: stack.encryptionKey },
    { label: "client secret", value: provider.clientSecret },
    { label: "API key", value: tenant.apiKey },
    { label: "webhook secret", value: webhookSecret },
  );
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await receiver?.close();
  await provider?.close();
}, 120_000);

/** Finished runs of one task, from the sweeper's own log lines. */
function finishedRuns(task: string): number {
  return sweeper.process
    .logs()
    .filter((line) => line.includes('"task run finished"') && line.includes(`"task":"${task}"`)).length;
}

function digestsMentioning(accountId: string): ReceivedRequest[] {
  return receiver.requests.filter((r) => {
    const body = JSON.parse(r.body) as { kind?: string };
    return body.kind === "reconnect_digest" && r.body.includes(accountId);
  });
}

describe("sweeper end to end (gateway + token-refresh + sweeper as processes)", () => {
  it("runs each task on the interval configured for it", async () => {
    const sweeperApi = connectClient(SweeperService, sweeper.url, stack.adminKey);
    const { tasks } = await sweeperApi.listTasks({});
    const intervals = Object.fromEntries(
      tasks.map((t) => [t.name, Number(t.interval!.seconds) * 1000 + Math.round(t.interval!.nanos / 1e6)]),
    );
    expect(intervals).toEqual(CONFIGURED_INTERVALS);
  });

  it("invalid_grant makes an account NEEDS_RECONNECT through GetAccessToken, and one signed digest reaches the webhook", async () => {
    const broken = await connectAccountThroughApi(
      gateway.url,
      tenant,
      provider,
      "user-who-revoked-access",
      new Date(Date.now() + 30 * MINUTE),
    );
    secrets.push(
      { label: "access token", value: broken.tokens.access_token },
      { label: "refresh token", value: broken.tokens.refresh_token },
    );
    provider.configure({
      forceError: {
        token: {
          status: 400,
          error: "invalid_grant",
          errorDescription: "Token has been expired or revoked.",
        },
      },
    });

    // Asking for an hour of validity forces the refresh, which the provider refuses for good.
    const tokens = connectClient(TokensService, tokenRefresh.url, tenant.apiKey);
    const callsBefore = provider.counters.refreshCalls;
    for (let i = 0; i < 3; i++) {
      const error = await tokens.getAccessToken({ accountId: broken.id, minValidSeconds: 3600 }).then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
      expect(error?.code).toBe(Code.FailedPrecondition);
      expect(error!.findDetails(TokenFailureSchema)[0]).toMatchObject({
        reason: "NEEDS_RECONNECT",
        providerError: "invalid_grant",
        accountId: broken.id,
      });
    }
    // One provider call; the other callers were answered from the recorded failure.
    expect(provider.counters.refreshCalls - callsBefore).toBe(1);
    const accounts = connectClient(AccountsService, gateway.url, tenant.apiKey);
    const { account } = await accounts.getConnectedAccount({ accountId: broken.id });
    expect(account!.status).toBe(AccountStatus.NEEDS_RECONNECT);
    expect(account!.statusReason).toBe("invalid_grant");

    await waitFor(() => digestsMentioning(broken.id).length > 0, {
      message: "a reconnect digest naming the account at the webhook",
      timeoutMs: 150_000,
      intervalMs: 200,
    });
    // Two more digest runs later, still exactly one notification about it.
    const runsAtDelivery = finishedRuns("reconnect-digest");
    await waitFor(() => finishedRuns("reconnect-digest") >= runsAtDelivery + 2, {
      message: "two more reconnect-digest runs",
      timeoutMs: 300_000,
      intervalMs: 200,
    });
    const digests = digestsMentioning(broken.id);
    expect(digests).toHaveLength(1);

    const delivery = digests[0]!;
    const timestamp = String(delivery.headers["x-warden-timestamp"]);
    const expected = `v1=${createHmac("sha256", webhookSecret).update(`${timestamp}.${delivery.body}`).digest("hex")}`;
    expect(delivery.headers["x-warden-signature"]).toBe(expected);
    expect(Math.abs(Date.now() / 1000 - Number(timestamp))).toBeLessThan(600);
    expect(delivery.headers["content-type"]).toMatch(/^application\/json/);
    const body = JSON.parse(delivery.body) as {
      idempotency_key: string;
      kind: string;
      title: string;
      metadata: { accounts: number; account_ids: string[]; auth_configs: string[] };
    };
    expect(delivery.headers["idempotency-key"]).toBe(body.idempotency_key);
    expect(body.kind).toBe("reconnect_digest");
    expect(body.metadata.accounts).toBe(1);
    expect(body.metadata.account_ids).toEqual([broken.id]);
    expect(body.metadata.auth_configs).toEqual([`${tenant.authConfigId}:1`]);
    // Neither a token nor any secret of the run, the signing key included, is in what was sent.
    expect(findSecretsInLines([delivery.body, JSON.stringify(delivery.headers)], secrets)).toEqual([]);
  }, 480_000);

  it("an account whose NEEDS_RECONNECT commits after a digest run passed its timestamp is still notified", async () => {
    const late = await connectAccountThroughApi(
      gateway.url,
      tenant,
      provider,
      "user-marked-late",
      new Date(Date.now() + 30 * MINUTE),
    );
    secrets.push(
      { label: "access token (late)", value: late.tokens.access_token },
      { label: "refresh token (late)", value: late.tokens.refresh_token },
    );
    // token-refresh stamps status_changed_at, then commits (refresh-as-leader: `now` is taken
    // before markNeedsReconnect commits). The same interleaving with the window held open long
    // enough for a digest run to fall inside it: stamp, let a digest run, then commit.
    const client = await stack.database.pool.connect();
    try {
      await client.query("begin");
      const stamped = await client.query(
        `update connected_accounts
            set status = 'needs_reconnect', status_reason = 'invalid_grant',
                status_changed_at = clock_timestamp(), updated_at = clock_timestamp()
          where id = $1 and status = 'active'`,
        [late.id],
      );
      expect(stamped.rowCount).toBe(1);
      // The second run to finish from here started after the stamp.
      const runsAtStamp = finishedRuns("reconnect-digest");
      await waitFor(() => finishedRuns("reconnect-digest") >= runsAtStamp + 2, {
        message: "a reconnect-digest run inside the window",
        timeoutMs: 300_000,
        intervalMs: 100,
      });
      await client.query("commit");
    } catch (error) {
      await client.query("rollback").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    const runsAtCommit = finishedRuns("reconnect-digest");
    await waitFor(() => finishedRuns("reconnect-digest") >= runsAtCommit + 2, {
      message: "two reconnect-digest runs after the commit",
      timeoutMs: 300_000,
      intervalMs: 200,
    });
    expect(digestsMentioning(late.id)).toHaveLength(1);
  }, 660_000);

  it("never logs a token, client secret, API key, webhook secret or the encryption key in any process", async () => {
    const codes = await stack.stopAll();
    const lines = stack.logs();
    expect(lines.join("\n")).toContain("refresh failed terminally");
    expect(findSecretsInLines(lines, secrets)).toEqual([]);
    for (const [name, code] of Object.entries(codes)) expect({ name, code }).toEqual({ name, code: 0 });
  }, 120_000);
});
