import { busNames } from "@warden/bus";
import { clientSecretAssociatedData } from "@warden/crypto";
import { newId } from "@warden/ids";
import { createLogger } from "@warden/logger";
import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { revokeBreakerFailuresKey, revokeBreakerOpenKey } from "@warden/redis";
import { retryLockedJob } from "@warden/revoke-jobs";
import { waitFor } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  expectCountsAddUp,
  insertJob,
  publishPlan,
  seedProject,
  waitForJobStatus,
  type SeededProject,
} from "./test-fixtures.js";
import { createRevokeBreaker } from "./items/revoke-breaker.js";
import { openTestStack, startTestExecutor, type TestExecutor, type TestStack } from "./test-stack.js";

const THRESHOLD = 5;
const PER_AUTH_CONFIG = 2;
const REPLICAS = 2;

let stack: TestStack;
let provider: MockProvider;
let executors: TestExecutor[] = [];

beforeAll(async () => {
  stack = await openTestStack("breaker");
  provider = await startMockProvider({ seed: 11 });
  const settings = {
    breakerThreshold: THRESHOLD,
    perAuthConfigLimit: PER_AUTH_CONFIG,
    retryBaseMs: 50,
    progressIntervalMs: 100,
  };
  executors = [await startTestExecutor(stack, settings), await startTestExecutor(stack, settings)];
});

afterAll(async () => {
  await Promise.all(executors.map((e) => e.stop()));
  await provider?.close();
  await stack?.close();
});

/** How many events the events stream holds on a subject filter. */
async function storedEvents(filter: string): Promise<number> {
  const names = busNames(stack.namespace);
  const info = await stack.bus.jsm.streams.info(names.streams.events, { subjects_filter: filter });
  return Object.values((info.state.subjects ?? {}) as Record<string, number>).reduce((a, b) => a + b, 0);
}

/** Revoke calls the provider received carrying one of the project's tokens. */
function callsFor(project: SeededProject): number {
  let calls = 0;
  for (const account of project.accounts) {
    calls += provider.counters.revokeCallsByToken.get(account.refreshToken) ?? 0;
  }
  return calls;
}

describe("revoke breaker", () => {
  it("a client the provider rejects gets a bounded number of calls across 2 replicas; the rest fail circuit_open with one event; a retry after the fix revokes them", async () => {
    const { db } = stack.database;
    const broken = await seedProject(db, stack.keyring, {
      accounts: 300,
      revokeUrl: provider.revokeUrl,
      clientSecret: "wrong-secret-BREAKER-42",
    });
    const healthy = await seedProject(db, stack.keyring, {
      accounts: 40,
      revokeUrl: provider.revokeUrl,
      orgId: broken.orgId,
    });
    const jobId = await insertJob(db, {
      kind: "org",
      id: broken.orgId,
      orgId: broken.orgId,
      projectId: null,
    });
    await publishPlan(stack.bus, stack.namespace, jobId, 1);

    const done = await waitForJobStatus(db, jobId, "completed");
    await expectCountsAddUp(db, jobId);
    expect(done).toMatchObject({ total: 340, revoked: 40, failed: 300, pending: 0 });

    // The bound documented in revoke-breaker.ts: threshold + replicas × per-auth-config slots − 1.
    const calls = callsFor(broken);
    expect(calls).toBeGreaterThanOrEqual(THRESHOLD);
    expect(calls).toBeLessThanOrEqual(THRESHOLD + REPLICAS * PER_AUTH_CONFIG - 1);
    // The other auth config of the same job is not affected.
    for (const account of healthy.accounts) expect(provider.revokeCount(account.refreshToken)).toBe(1);

    const items = await db
      .selectFrom("revoke_items")
      .select(["status", "error_code", "error_description", "attempts"])
      .where("job_id", "=", jobId)
      .where("auth_config_id", "=", broken.authConfigId)
      .execute();
    const byCode = new Map<string, typeof items>();
    for (const item of items) byCode.set(item.error_code!, [...(byCode.get(item.error_code!) ?? []), item]);
    expect([...byCode.keys()].sort()).toEqual(["circuit_open", "invalid_client"]);
    expect(byCode.get("invalid_client")!.length).toBe(calls);
    expect(byCode.get("circuit_open")!.length).toBe(300 - calls);
    // The provider's description is kept on the items it answered, sanitised; never on circuit_open ones.
    for (const item of byCode.get("invalid_client")!) {
      expect(item.error_description).toBe("client authentication failed (bad_secret)");
    }
    for (const item of byCode.get("circuit_open")!) {
      expect(item).toMatchObject({ status: "failed", error_description: null, attempts: 0 });
    }
    // Tokens of circuit_open items are kept, so a retry can still revoke them.
    const kept = await db
      .selectFrom("connected_accounts")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("auth_config_id", "=", broken.authConfigId)
      .where("refresh_token_ciphertext", "is not", null)
      .executeTakeFirstOrThrow();
    expect(Number(kept.n)).toBe(300);

    // Exactly one event for the sweeper's notification, whichever replica opened the breaker.
    const names = busNames(stack.namespace);
    await waitFor(async () => (await storedEvents(names.subjects.accountEvents())) > 0, {
      message: "breaker event",
    });
    expect(await storedEvents(`${stack.namespace}.events.account.*.revoke_circuit_open`)).toBe(1);

    // The fix, as UpdateAuthConfig makes it: the right secret sealed, the breaker state cleared, the nudge.
    const sealed = stack.keyring.seal(provider.clientSecret, clientSecretAssociatedData(broken.authConfigId));
    await db
      .updateTable("auth_configs")
      .set({
        client_secret_ciphertext: sealed.ciphertext,
        client_secret_key_id: sealed.keyId,
        updated_at: new Date(),
      })
      .where("id", "=", broken.authConfigId)
      .execute();
    await stack.redis.del(
      revokeBreakerFailuresKey(broken.authConfigId),
      revokeBreakerOpenKey(broken.authConfigId),
    );
    stack.bus.nc.publish(names.subjects.authConfigUpdated(broken.authConfigId));
    await stack.bus.nc.flush();

    const retried = await db.transaction().execute((trx) => retryLockedJob(trx, jobId, new Date()));
    expect(retried.pending).toBe(300);
    await publishPlan(stack.bus, stack.namespace, jobId, retried.run);
    const after = await waitForJobStatus(db, jobId, "completed");
    await expectCountsAddUp(db, jobId);
    expect(after).toMatchObject({ total: 340, revoked: 340, failed: 0 });
    for (const account of broken.accounts) expect(provider.revokeCount(account.refreshToken)).toBe(1);
    // Only the first run's opening was reported.
    expect(await storedEvents(`${stack.namespace}.events.account.*.revoke_circuit_open`)).toBe(1);

    const log = executors.flatMap((e) => e.logLines).join("");
    expect(log).toContain("revoke breaker opened");
    expect(log).not.toContain("wrong-secret-BREAKER-42");
    expect(log).not.toContain(provider.clientSecret);
    for (const account of [...broken.accounts, ...healthy.accounts])
      expect(log).not.toContain(account.refreshToken);
  });

  it("a success between failures resets the streak: failures that are not consecutive never open it", async () => {
    const { db } = stack.database;
    const project = await seedProject(db, stack.keyring, { accounts: 10, revokeUrl: provider.revokeUrl });
    const jobId = newId("projectJob");
    const opened: unknown[] = [];
    const logger = createLogger({ service: "test", level: "silent" });
    const breaker = createRevokeBreaker({
      redis: stack.redis,
      threshold: THRESHOLD,
      onOpen: (o) => opened.push(o),
      logger,
    });
    // 4 failures, a success, 4 failures: never 5 in a row.
    const key = { jobId, run: 1, authConfigId: project.authConfigId };
    const fail = { kind: "failed", errorCode: "invalid_client", status: 401 } as const;
    for (let i = 0; i < THRESHOLD - 1; i++) await breaker.record(key, project.accounts[i]!.id, fail);
    await breaker.record(key, project.accounts[5]!.id, { kind: "revoked" });
    for (let i = 0; i < THRESHOLD - 1; i++) await breaker.record(key, project.accounts[i]!.id, fail);
    expect(breaker.isOpen(key)).toBe(false);
    // A 5xx is no answer about the client: it neither counts nor resets.
    await breaker.record(key, project.accounts[6]!.id, {
      kind: "retry",
      errorCode: "server_error",
      status: 503,
    });
    await breaker.record(key, project.accounts[7]!.id, {
      kind: "failed",
      errorCode: "http_401",
      status: 401,
    });
    expect(breaker.isOpen(key)).toBe(true);
    expect(opened).toHaveLength(1);
    // Another process (a fresh breaker on the same Redis) learns it at its first failure.
    const other = createRevokeBreaker({
      redis: stack.redis,
      threshold: THRESHOLD,
      onOpen: (o) => opened.push(o),
      logger,
    });
    expect(other.isOpen(key)).toBe(false);
    await other.record(key, project.accounts[8]!.id, fail);
    expect(other.isOpen(key)).toBe(true);
    expect(opened).toHaveLength(1);
    // A new run starts closed.
    expect(other.isOpen({ ...key, run: 2 })).toBe(false);
  });
});
