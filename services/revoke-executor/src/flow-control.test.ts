import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { FIGURES, type ServiceProcess } from "@warden/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { providerCallCounts, startBusyLoops } from "./provider-call-counts.js";
import { expectCountsAddUp, seedProject, startProjectJob, waitForJobStatus } from "./test-fixtures.js";
import { openTestStack, startExecutorProcess, type TestStack } from "./test-stack.js";

// Two executor processes share one job whose provider is slow: most deliveries
// wait for a provider slot far longer than the ack wait. None may reach the
// provider twice. CI runs 1,000 accounts; WARDEN_TEST_FLOW_ACCOUNTS=5000 runs the size.
const ACCOUNTS = Number(process.env.WARDEN_TEST_FLOW_ACCOUNTS ?? 1_000);

// A short ack wait, few provider slots per auth config and few handlers per job:
// deliveries wait for a slot many ack waits long and, with pulls ahead of the
// handlers, in the client's buffer too, which used to revoke tokens twice.
const EXECUTOR_ENV = {
  WARDEN_REVOKE_ACK_WAIT_MS: "4000",
  WARDEN_REVOKE_PER_AUTH_CONFIG: "8",
  WARDEN_REVOKE_JOB_CONCURRENCY: "64",
  LOG_LEVEL: "info",
};

let stack: TestStack;
let provider: MockProvider;
let children: ServiceProcess[] = [];

beforeAll(async () => {
  stack = await openTestStack("rexec_flow");
  provider = await startMockProvider({ seed: 23 });
});

afterEach(async () => {
  await Promise.all(children.map((child) => child.stop(30_000)));
  children = [];
});

afterAll(async () => {
  await provider?.close();
  await stack?.close();
});

async function revokeWithTwoExecutors(
  accounts: number,
  latencyMs: number,
  { env = EXECUTOR_ENV, busyLoops = 0 } = {},
) {
  const { db } = stack.database;
  provider.reset();
  provider.configure({ latencyMs });
  const project = await seedProject(db, stack.keyring, { accounts, revokeUrl: provider.revokeUrl });
  for (const name of ["flow-a", "flow-b"])
    children.push(await startExecutorProcess(stack, { name, env, logLevel: "info" }));
  // Loaded only once the executors are up: under load they can take longer than the test allows to boot.
  const load = startBusyLoops(busyLoops);
  const job = await startProjectJob(db, stack.bus, stack.namespace, project)
    .then((jobId) => waitForJobStatus(db, jobId, "completed", 300_000))
    .finally(() => load.stop());
  expect(job).toMatchObject({ total: accounts, revoked: accounts, pending: 0, failed: 0 });
  await expectCountsAddUp(db, job.id);
  return providerCallCounts(provider, project.accounts);
}

describe("revoke executor flow control", () => {
  it("revokes no token twice when two executors share a job on a 300 ms provider", async ({ annotate }) => {
    const counts = await revokeWithTwoExecutors(ACCOUNTS, 300);
    await annotate(`flow control, 300 ms provider, 2 executors: ${JSON.stringify(counts)}`, FIGURES);
    expect(counts).toMatchObject({ uncalled: 0, calledTwice: 0 });
  }, 360_000);

  it("revokes no token twice on a fast provider while busy loops load the machine", async ({ annotate }) => {
    // The production ack wait: starved of CPU for seconds, a process cannot keep a 4 s one alive.
    const env = { ...EXECUTOR_ENV, WARDEN_REVOKE_ACK_WAIT_MS: "15000" };
    const counts = await revokeWithTwoExecutors(ACCOUNTS, 5, { env, busyLoops: 2 });
    await annotate(
      `flow control, 5 ms provider, loaded machine, 2 executors: ${JSON.stringify(counts)}`,
      FIGURES,
    );
    expect(counts).toMatchObject({ uncalled: 0, calledTwice: 0 });
  }, 360_000);
});
