import { fromBinary } from "@bufbuild/protobuf";
import { busNames } from "@warden/bus";
import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { JobEventSchema } from "@warden/proto/events/v1";
import { FIGURES, waitFor } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  expectCountsAddUp,
  readJob,
  seedProject,
  startProjectJob,
  waitForJobStatus,
} from "./test-fixtures.js";
import { openTestStack, startTestExecutor, type TestExecutor, type TestStack } from "./test-stack.js";

let stack: TestStack;
let provider: MockProvider;
let executor: TestExecutor;

beforeAll(async () => {
  stack = await openTestStack("rexec_fair");
  // Enough latency that the large job runs for many seconds at the per-auth-config bound.
  provider = await startMockProvider({ seed: 3, latencyMs: 10 });
  executor = await startTestExecutor(stack);
});

afterAll(async () => {
  await executor?.stop();
  await provider?.close();
  await stack?.close();
});

describe("revoke executor fair share", () => {
  it("completes a one-account job of another project within 5 s while a 20,000-account job runs", async ({
    annotate,
  }) => {
    const { db } = stack.database;
    const large = await seedProject(db, stack.keyring, { accounts: 20_000, revokeUrl: provider.revokeUrl });
    const small = await seedProject(db, stack.keyring, { accounts: 1, revokeUrl: provider.revokeUrl });
    const largeJob = await startProjectJob(db, stack.bus, stack.namespace, large);
    await waitFor(async () => (await readJob(db, largeJob)).revoked >= 2_000, {
      message: "the large job to be under way",
      timeoutMs: 60_000,
    });

    const started = Date.now();
    let smallJob = "";
    const completed = new Promise<number>((resolve) => {
      const sub = stack.bus.nc.subscribe(busNames(stack.namespace).subjects.jobEvents(), {
        callback: (_error, msg) => {
          if (!msg.subject.endsWith(".completed")) return;
          const event = fromBinary(JobEventSchema, msg.data);
          if (event.job?.id === smallJob) {
            sub.unsubscribe();
            resolve(Date.now() - started);
          }
        },
      });
    });
    smallJob = await startProjectJob(db, stack.bus, stack.namespace, small);
    const elapsedMs = await completed;
    const largeAtThatMoment = await readJob(db, largeJob);
    await annotate(
      `fairness: one-account job completed in ${elapsedMs} ms; large job then at ${largeAtThatMoment.revoked}/20000`,
      FIGURES,
    );
    expect(largeAtThatMoment.status).not.toBe("completed");
    expect(elapsedMs).toBeLessThan(5_000);
    expect(provider.revokeCount(small.accounts[0]!.refreshToken)).toBe(1);

    const done = await waitForJobStatus(db, largeJob, "completed", 180_000);
    expect(done).toMatchObject({ total: 20_000, revoked: 20_000 });
    await expectCountsAddUp(db, largeJob);
  }, 300_000);
});
