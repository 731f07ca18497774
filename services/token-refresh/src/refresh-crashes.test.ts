// DESIGN §8 "Refresh crashes are loud", with real token-refresh processes
// against the mock provider over real HTTP (rotation with reuse detection):
// a SIGTERM loses no refresh answer, and a SIGKILL after the provider rotated
// ends each account rotation_lost with one notification of its own.
import { randomBytes } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { openAccountToken } from "@warden/crypto";
import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { TokenFailureSchema } from "@warden/proto/tokens/v1";
import { FIGURES, freePort, startServiceProcess, waitFor, type ServiceProcess } from "@warden/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver, type TestReceiver } from "../../sweeper/src/notifications/test-receiver.js";
import { seedAccount, seedTenant, type TestTenant } from "./test-fixtures.js";
import { scrapeMetric, startReplicaProcess, type ReplicaProcess } from "./test-replica-process.js";
import { openTestInfrastructure, tokensClient, type TestInfrastructure } from "./test-token-refresh.js";

// 1,000 in a knob run (WARDEN_ROLLING_CALLERS=1000); fewer by default so CI on a shared machine stays calm.
const CALLERS = Number(process.env.WARDEN_ROLLING_CALLERS ?? 60);
const ROLLING_ACCOUNTS = 40;
const KILLED_ACCOUNTS = 8;
const WEBHOOK_SECRET = `webhook-${randomBytes(12).toString("hex")}`;

let infra: TestInfrastructure;
let receiver: TestReceiver;
const children: ServiceProcess[] = [];
const secrets: string[] = [];

beforeAll(async () => {
  infra = await openTestInfrastructure("crashes");
  receiver = await startReceiver();
  secrets.push(infra.encryptionKeys.split(":")[1]!, WEBHOOK_SECRET);
}, 120_000);

afterAll(async () => {
  await Promise.all(children.map((p) => p.stop()));
  const logs = children.flatMap((p) => p.logs()).join("\n");
  for (const secret of secrets) expect(logs).not.toContain(secret);
  const bodies = receiver.requests.map((r) => r.body).join("\n");
  for (const secret of secrets) expect(bodies).not.toContain(secret);
  await receiver?.close();
  await infra?.close();
}, 120_000);

async function replica(name: string, env: Record<string, string> = {}): Promise<ReplicaProcess> {
  const started = await startReplicaProcess(infra, name, env);
  children.push(started.process);
  return started;
}

async function expiredAccounts(provider: MockProvider, tenant: TestTenant, count: number) {
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

async function accountRows(ids: string[]) {
  return infra.database.db.selectFrom("connected_accounts").selectAll().where("id", "in", ids).execute();
}

function storedRefreshToken(row: Awaited<ReturnType<typeof accountRows>>[number]): string {
  return openAccountToken(
    infra.keyring,
    { authConfigId: row.auth_config_id, externalUserId: row.external_user_id },
    "refresh",
    { ciphertext: row.refresh_token_ciphertext!, keyId: row.token_key_id! },
  );
}

async function startSweeper(): Promise<ServiceProcess> {
  const [port, probePort] = [await freePort(), await freePort()];
  const child = startServiceProcess({
    entry: "services/sweeper/src/main.ts",
    name: "sweeper",
    env: {
      WARDEN_NAMESPACE: infra.namespace,
      WARDEN_SWEEPER_PORT: String(port),
      WARDEN_PROBE_PORT: String(probePort),
      WARDEN_ENCRYPTION_KEYS: infra.encryptionKeys,
      WARDEN_SWEEPER_TASKS: "reconnect-digest",
      WARDEN_SWEEP_RECONNECT_DIGEST_INTERVAL_MS: "500",
      WARDEN_NOTIFY_WEBHOOK_URLS: receiver.url,
      WARDEN_NOTIFY_WEBHOOK_SECRET: WEBHOOK_SECRET,
      LOG_LEVEL: "info",
    },
  });
  children.push(child);
  await child.waitForReady(`http://127.0.0.1:${probePort}/readyz`, 90_000);
  return child;
}

async function digestRuns(): Promise<number> {
  const row = await infra.database.db
    .selectFrom("sweeper_task_runs")
    .select(sql<number>`count(*)::int`.as("runs"))
    .where("task", "=", "reconnect-digest")
    .where("finished_at", "is not", null)
    .executeTakeFirstOrThrow();
  return row.runs;
}

/** Reads p50 / p99 (upper bucket bounds) of a histogram scraped from one probe port. */
async function histogramQuantiles(metricsUrl: string, name: string): Promise<Record<string, string>> {
  const text = await (await fetch(metricsUrl)).text();
  const buckets = text
    .split("\n")
    .filter((line) => line.startsWith(`${name}_bucket`))
    .map((line) => ({ le: /le="([^"]+)"/.exec(line)![1]!, count: Number(line.split(" ").pop()) }));
  const total = buckets.at(-1)?.count ?? 0;
  const at = (q: number) => buckets.find((b) => b.count >= q * total)?.le ?? "n/a";
  return { samples: String(total), p50: at(0.5), p90: at(0.9), p99: at(0.99) };
}

describe("refresh crashes", () => {
  it("a replica SIGKILLed after the provider rotated leaves each account rotation_lost, with one notification per account", async () => {
    const provider = await startMockProvider({ rotateRefreshTokens: true });
    try {
      const tenant = await seedTenant(infra.database.db, infra.keyring, provider);
      secrets.push(provider.clientSecret, tenant.apiKey);
      const [dying] = await Promise.all([
        replica("token-refresh-dying", {
          WARDEN_PROVIDER_TIMEOUT_MS: "10000",
          WARDEN_REFRESH_LOCK_TTL_MS: "12000",
        }),
        startSweeper(),
      ]);
      const accounts = await expiredAccounts(provider, tenant, KILLED_ACCOUNTS);
      const ids = accounts.map((a) => a.id);

      // The provider rotates each token and then holds its answer: the process dies holding nothing.
      provider.configure({ answerLatencyMs: 120_000 });
      const doomed = tokensClient(dying.url, tenant.apiKey);
      const calls = accounts.map((a) =>
        doomed.getAccessToken({ accountId: a.id, minValidSeconds: 60 }).catch((e: unknown) => e),
      );
      await waitFor(() => provider.counters.refreshSuccesses === KILLED_ACCOUNTS, {
        message: "the provider rotated every account's refresh token",
        timeoutMs: 30_000,
      });
      for (const { seed } of accounts) expect(provider.isRefreshTokenLive(seed.refresh_token)).toBe(false);
      // Each attempt was committed before its provider call.
      for (const row of await accountRows(ids))
        expect(row).toMatchObject({
          refresh_attempt_token_version: 0,
          refresh_attempt_id: expect.any(String),
        });
      dying.process.kill("SIGKILL");
      await dying.process.exited;
      for (const outcome of await Promise.all(calls)) expect(outcome).toBeInstanceOf(ConnectError);
      provider.configure({ answerLatencyMs: 0 });

      const next = await replica("token-refresh-next", { WARDEN_REFRESH_WAIT_MS: "4000" });
      const client = tokensClient(next.url, tenant.apiKey);
      const failures = await Promise.all(
        accounts.map(async (a) => {
          // The dead leader's Redis lock runs out first; until then a caller may be told to retry.
          for (;;) {
            const error = await client.getAccessToken({ accountId: a.id, minValidSeconds: 60 }).then(
              () => undefined,
              (e: unknown) => ConnectError.from(e),
            );
            if (error?.code !== Code.Unavailable) return error;
          }
        }),
      );
      for (const error of failures) {
        expect(error?.code).toBe(Code.FailedPrecondition);
        expect(error!.findDetails(TokenFailureSchema)[0]).toMatchObject({
          reason: "NEEDS_RECONNECT",
          providerError: "rotation_lost",
        });
      }
      for (const row of await accountRows(ids))
        expect(row).toMatchObject({
          status: "needs_reconnect",
          status_reason: "rotation_lost",
          refresh_attempt_id: null,
        });
      // The dead leader's call and the next leader's, no more: the failure is cached from then on.
      for (const { seed } of accounts)
        expect(provider.counters.refreshCallsByToken.get(seed.refresh_token)).toBe(2);
      expect(provider.counters.reuseDetections).toBe(KILLED_ACCOUNTS);
      expect(await scrapeMetric(next.metricsUrl, "warden_token_refresh_rotations_lost_total")).toBe(
        KILLED_ACCOUNTS,
      );

      // One notification per account, with the reason, and never again.
      const rotationLost = () =>
        receiver.requests
          .map((r) => JSON.parse(r.body) as { kind: string; metadata: Record<string, unknown> })
          .filter((n) => n.kind === "refresh_rotation_lost");
      await waitFor(() => rotationLost().length >= KILLED_ACCOUNTS, {
        message: "a rotation_lost notification for every account",
        timeoutMs: 30_000,
      });
      const runs = await digestRuns();
      await waitFor(async () => (await digestRuns()) >= runs + 2, {
        message: "two more digest runs",
        timeoutMs: 30_000,
      });
      const notified = rotationLost();
      expect(notified.map((n) => n.metadata.account_id).sort()).toEqual([...ids].sort());
      for (const n of notified) expect(n.metadata.status_reason).toBe("rotation_lost");
    } finally {
      await provider.close();
    }
  }, 240_000);

  it("a rolling SIGTERM of three replicas under concurrent callers loses no account and calls the provider once per refresh", async ({
    annotate,
  }) => {
    // Every call needs a refresh (tokens live 60 s; callers ask for 120 s), so
    // refreshes are always in flight when a replica is told to stop, and the
    // RPC grace (100 ms) is shorter than the provider's answer (300 ms): only
    // the drain of leaders keeps those answers from dying with the process.
    const provider = await startMockProvider({
      rotateRefreshTokens: true,
      latencyMs: 300,
      expiresIn: 60,
    });
    try {
      const tenant = await seedTenant(infra.database.db, infra.keyring, provider);
      secrets.push(provider.clientSecret, tenant.apiKey);
      const accounts = await expiredAccounts(provider, tenant, ROLLING_ACCOUNTS);
      const ids = accounts.map((a) => a.id);
      // The provider answers from this test's own event loop, which 1,000 callers can starve for
      // seconds: a provider call timing out after the provider rotated is a real loss (the crash
      // test above covers it), but not the fault this test injects, so the deadline is generous.
      const env = {
        WARDEN_SHUTDOWN_GRACE_MS: "100",
        WARDEN_DB_POOL_SIZE: "10",
        WARDEN_PROVIDER_TIMEOUT_MS: "90000",
        WARDEN_REFRESH_LOCK_TTL_MS: "120000",
      };
      // The three replacements start before the load does: on a loaded machine a
      // process started under load takes minutes to compile and connect.
      const started: ReplicaProcess[] = [];
      for (const batch of [
        [0, 1, 2],
        [3, 4, 5],
      ])
        started.push(...(await Promise.all(batch.map((n) => replica(`token-refresh-${n}`, env)))));
      const live = started.slice(0, 3);
      const replacements = started.slice(3);

      let stop = false;
      const tally = { ok: 0, retried: new Map<string, number>(), failed: [] as string[] };
      const clients = new Map<string, ReturnType<typeof tokensClient>>();
      const clientOf = (r: ReplicaProcess) => {
        let client = clients.get(r.url);
        if (!client) clients.set(r.url, (client = tokensClient(r.url, tenant.apiKey)));
        return client;
      };
      const caller = async (n: number) => {
        for (let i = n; !stop; i++) {
          const account = accounts[i % ROLLING_ACCOUNTS]!;
          const target = live[i % live.length]!;
          try {
            await clientOf(target).getAccessToken(
              { accountId: account.id, minValidSeconds: 120 },
              { timeoutMs: 60_000 },
            );
            tally.ok++;
          } catch (e) {
            const error = ConnectError.from(e);
            // A stopping replica refuses or drops calls; a client retries them on another replica.
            if ([Code.Unavailable, Code.Canceled, Code.DeadlineExceeded].includes(error.code)) {
              tally.retried.set(Code[error.code], (tally.retried.get(Code[error.code]) ?? 0) + 1);
            } else {
              tally.failed.push(`${Code[error.code]}: ${error.rawMessage}`);
            }
          }
        }
      };
      const callers = Array.from({ length: CALLERS }, (_, n) => caller(n));

      const progress = async (more: number) => {
        const from = provider.counters.refreshSuccesses;
        await waitFor(() => provider.counters.refreshSuccesses >= from + more, {
          message: `${more} more provider refreshes`,
          // A machine shared with other suites can slow every refresh tenfold; this waits for progress, not speed.
          timeoutMs: 240_000,
        });
      };
      await progress(ROLLING_ACCOUNTS / 2);
      const exits: (number | null)[] = [];
      for (let roll = 0; roll < 3; roll++) {
        live.push(replacements.shift()!);
        await progress(ROLLING_ACCOUNTS / 2);
        const old = live.shift()!;
        old.process.kill("SIGTERM");
        exits.push(await old.process.exited);
        expect(old.process.logs().join("\n")).not.toContain("refresh answers not yet written");
      }
      await progress(ROLLING_ACCOUNTS / 2);
      const window = await histogramQuantiles(
        live[0]!.metricsUrl,
        "warden_token_refresh_answer_write_seconds",
      );
      stop = true;
      await Promise.all(callers);
      await annotate(
        `rolling SIGTERM: ${CALLERS} callers, ${tally.ok} answers, retried ${JSON.stringify(Object.fromEntries(tally.retried))}, ` +
          `${provider.counters.refreshSuccesses} provider refreshes; answer→write window on a surviving replica: ${JSON.stringify(window)}`,
        FIGURES,
      );

      expect(exits).toEqual([0, 0, 0]);
      expect(tally.failed).toEqual([]);
      expect(tally.ok).toBeGreaterThan(0);
      // Exactly one provider call per refresh token, none refused.
      expect(provider.counters.invalidGrant).toBe(0);
      expect(provider.counters.reuseDetections).toBe(0);
      for (const [, calls] of provider.counters.refreshCallsByToken) expect(calls).toBe(1);
      // Every answer the provider gave was written: one stored version per provider refresh.
      const rows = await accountRows(ids);
      const versions = rows.reduce((sum, row) => sum + row.token_version, 0);
      expect(versions).toBe(provider.counters.refreshSuccesses);
      for (const row of rows) {
        expect(row).toMatchObject({ status: "active", status_reason: null, refresh_attempt_id: null });
        expect(provider.isRefreshTokenLive(storedRefreshToken(row))).toBe(true);
      }
      // And each one still refreshes.
      const client = tokensClient(live[0]!.url, tenant.apiKey);
      for (const id of ids) expect((await client.refreshAccessToken({ accountId: id })).refreshed).toBe(true);
      expect(provider.counters.invalidGrant).toBe(0);
    } finally {
      await provider.close();
    }
  }, 1_200_000);
});
