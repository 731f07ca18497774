import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import {
  DIAGNOSTICS,
  FIGURES,
  startPrivateNats,
  waitFor,
  type Annotate,
  type PrivateServer,
  type ServiceProcess,
} from "@warden/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSweeperProcess } from "../../sweeper/src/test-sweeper-process.js";
import { providerCallCounts } from "./provider-call-counts.js";
import {
  expectCountsAddUp,
  readJob,
  seedProject,
  startProjectJob,
  waitForJobStatus,
  type SeededProject,
} from "./test-fixtures.js";
import { openTestStack, startExecutorProcess, type TestStack } from "./test-stack.js";

// PostgreSQL is the truth and JetStream the transport: whatever NATS loses or
// forgets (unsynced messages, a sequence reset under a consumer's position), the
// sweeper's jobs-recovery re-drives the job from its ledger. The sweeper runs with
// its production defaults, so these tests also hold the bound: a job completes
// within 2 minutes of NATS being back. WARDEN_TEST_STALL_LOOPS=5 repeats the
// kill-right-after-create scenario five times (CI: once, to keep the suite inside its budget).
const LOOPS = Number(process.env.WARDEN_TEST_STALL_LOOPS ?? 1);
const ACCOUNTS = 2_000;
const PER_AUTH_CONFIG = 32;
const BOUND_MS = 120_000;

let nats: PrivateServer;
let stack: TestStack;
let provider: MockProvider;
let children: ServiceProcess[] = [];

beforeAll(async () => {
  nats = await startPrivateNats();
  stack = await openTestStack("rexec_stall", { nats: nats.url });
  provider = await startMockProvider({ seed: 31, latencyMs: 300 });
}, 120_000);

afterEach(async () => {
  await Promise.all(children.map((child) => child.stop(30_000)));
  children = [];
});

afterAll(async () => {
  await provider?.close();
  await stack?.close();
  await nats?.dispose();
});

async function startExecutors(count: number): Promise<ServiceProcess[]> {
  const started: ServiceProcess[] = [];
  // One at a time: booting several at once on a loaded machine can outlast the readiness wait.
  for (let i = 0; i < count; i++) {
    const child = await startExecutorProcess(stack, {
      name: `stall-executor-${children.length + 1}`,
      env: { WARDEN_REVOKE_PER_AUTH_CONFIG: String(PER_AUTH_CONFIG) },
      logLevel: "info",
    });
    children.push(child);
    started.push(child);
  }
  return started;
}

async function startSweeper(): Promise<void> {
  const sweeper = await startSweeperProcess(`stall-${children.length}`, {
    WARDEN_NAMESPACE: stack.namespace,
    DATABASE_URL: stack.urls.database,
    REDIS_URL: stack.urls.redis,
    NATS_URL: stack.urls.nats,
    WARDEN_ENCRYPTION_KEYS: stack.encryptionKeys,
    WARDEN_SWEEPER_TASKS: "jobs-recovery",
  });
  children.push(sweeper.process);
}

async function killNatsFor(ms: number): Promise<number> {
  await nats.kill();
  // The outage itself is the scenario: NATS stays down this long whatever else happens.
  await new Promise((resolve) => setTimeout(resolve, ms));
  await nats.start();
  return Date.now();
}

/** Waits for completion within the bound, then checks the ledger and the provider's counts. */
async function expectCompleted(jobId: string, project: SeededProject, since: number, annotate: Annotate) {
  const { db } = stack.database;
  const job = await waitForJobStatus(db, jobId, "completed", BOUND_MS).catch(async (error: unknown) => {
    const logs = children.flatMap((c) => c.logs().slice(-15)).join("\n");
    await annotate(`${JSON.stringify(await readJob(db, jobId))}\n${logs}`, DIAGNOSTICS);
    throw error;
  });
  const tookMs = Date.now() - since;
  expect(job).toMatchObject({ total: ACCOUNTS, revoked: ACCOUNTS, pending: 0, failed: 0 });
  await expectCountsAddUp(db, jobId);
  const counts = providerCallCounts(provider, project.accounts);
  expect(counts.uncalled).toBe(0);
  return { tookMs, counts };
}

describe("stall recovery from the ledger", () => {
  it(`completes every job when nats-server is SIGKILLed right after the job is created (${LOOPS} runs)`, async ({
    annotate,
  }) => {
    const { db } = stack.database;
    await startExecutors(2);
    await startSweeper();
    for (let loop = 1; loop <= LOOPS; loop++) {
      provider.reset();
      provider.configure({ latencyMs: 300 });
      const project = await seedProject(db, stack.keyring, {
        accounts: ACCOUNTS,
        revokeUrl: provider.revokeUrl,
      });
      const jobId = await startProjectJob(db, stack.bus, stack.namespace, project);
      const back = await killNatsFor(3_000);
      const { tookMs, counts } = await expectCompleted(jobId, project, back, annotate);
      await annotate(
        `stall run ${loop}: completed ${tookMs} ms after NATS was back; ${JSON.stringify(counts)}`,
        FIGURES,
      );
      // Nothing was in flight at the provider when NATS died, so nothing may be revoked twice.
      expect(counts.calledTwice).toBe(0);
    }
  }, 900_000);

  it("loses nothing and doubles nothing when nats-server is killed and restarted at about 30 %", async ({
    annotate,
  }) => {
    const { db } = stack.database;
    await startExecutors(2);
    await startSweeper();
    provider.reset();
    provider.configure({ latencyMs: 300 });
    const project = await seedProject(db, stack.keyring, {
      accounts: ACCOUNTS,
      revokeUrl: provider.revokeUrl,
    });
    const jobId = await startProjectJob(db, stack.bus, stack.namespace, project);
    await waitFor(async () => (await readJob(db, jobId)).revoked >= ACCOUNTS * 0.3, {
      message: "the job to reach 30 %",
      timeoutMs: 120_000,
      intervalMs: 20,
    });
    const back = await killNatsFor(3_000);
    const { tookMs, counts } = await expectCompleted(jobId, project, back, annotate);
    await annotate(
      `NATS kill at 30 %: completed ${tookMs} ms after NATS was back; ${JSON.stringify(counts)}`,
      FIGURES,
    );
    // At most what both executors had in flight at the provider when NATS died.
    expect(counts.extraCalls).toBeLessThanOrEqual(2 * PER_AUTH_CONFIG);
  }, 300_000);

  it("loses nothing and doubles nothing when an executor is SIGKILLed at about 30 %", async ({
    annotate,
  }) => {
    const { db } = stack.database;
    const [victim] = await startExecutors(2);
    await startSweeper();
    provider.reset();
    provider.configure({ latencyMs: 300 });
    const project = await seedProject(db, stack.keyring, {
      accounts: ACCOUNTS,
      revokeUrl: provider.revokeUrl,
    });
    const jobId = await startProjectJob(db, stack.bus, stack.namespace, project);
    await waitFor(async () => (await readJob(db, jobId)).revoked >= ACCOUNTS * 0.3, {
      message: "the job to reach 30 %",
      timeoutMs: 120_000,
      intervalMs: 20,
    });
    victim!.kill("SIGKILL");
    await victim!.exited;
    children = children.filter((child) => child !== victim);
    // What the killed executor had in flight: calls the provider had received (answered or not)
    // whose outcome was not committed. Read in this order, the set can only over-count the
    // survivor's own calls, never miss one of the victim's.
    const calledBeforeKill = new Set(provider.counters.revokeCallsByToken.keys());
    const pendingAfterKill = await db
      .selectFrom("revoke_items")
      .select("account_id")
      .where("job_id", "=", jobId)
      .where("status", "=", "pending")
      .execute();
    const pendingIds = new Set(pendingAfterKill.map((row) => row.account_id));
    const inFlight = project.accounts.filter(
      (account) => pendingIds.has(account.id) && calledBeforeKill.has(account.refreshToken),
    ).length;
    const { tookMs, counts } = await expectCompleted(jobId, project, Date.now(), annotate);
    await annotate(
      `executor SIGKILL at 30 %: completed ${tookMs} ms after the kill; ${inFlight} in flight; ${JSON.stringify(counts)}`,
      FIGURES,
    );
    // Repeats only where the kill cut between the provider call and the ledger commit.
    expect(counts.extraCalls).toBeLessThanOrEqual(inFlight);
  }, 300_000);
});
