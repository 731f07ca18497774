import { waitFor } from "@warden/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { insertJob, seedProject } from "../test-fixtures.js";
import { openTestStack, type TestStack } from "../test-stack.js";
import { createJobLiveness } from "./job-liveness.js";

let stack: TestStack;

beforeAll(async () => {
  stack = await openTestStack("liveness");
});

afterAll(async () => {
  await stack?.close();
});

async function newJob(): Promise<string> {
  const { db } = stack.database;
  const project = await seedProject(db, stack.keyring, { accounts: 0, revokeUrl: null });
  return insertJob(db, {
    kind: "project",
    id: project.projectId,
    orgId: project.orgId,
    projectId: project.projectId,
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("createJobLiveness", () => {
  it("answers from a fresh poll at once and never trusts a read older than maxStaleMs", async () => {
    const { db } = stack.database;
    const liveness = createJobLiveness({ db, pollMs: 10, maxStaleMs: 40 });
    try {
      const jobId = await newJob();
      // Nothing known yet: the answer waits for a read.
      const first = liveness.isLive(jobId);
      expect(first).toBeInstanceOf(Promise);
      expect(await first).toBe(true);
      // Kept fresh by the poller: answered synchronously (once a poll has landed; a loaded
      // machine may take longer than one poll interval to get there).
      await waitFor(() => liveness.isLive(jobId) === true, { message: "a synchronous answer" });

      await sql`update revoke_jobs set status = 'cancelled' where id = ${jobId}`.execute(db);
      const cancelledAt = performance.now();
      // Every answer after the cancel comes from a read that started at most maxStaleMs before
      // it was given; so within that much time (plus one read) the job is seen stopped.
      for (;;) {
        const answer = await liveness.isLive(jobId);
        if (!answer) break;
        // Bounded generously: the point is that a stale "live" cannot last, not how fast reads are.
        expect(performance.now() - cancelledAt).toBeLessThan(30_000);
        await sleep(5);
      }
      expect(await liveness.isLive(jobId)).toBe(false);
    } finally {
      liveness.stop();
    }
  });

  it("polls only while some job was asked about in the last second, so an idle executor never wakes for it", async () => {
    const { db } = stack.database;
    const started = vi.spyOn(globalThis, "setInterval");
    const cleared = vi.spyOn(globalThis, "clearInterval");
    // The liveness poller's intervals (pollMs 99 here), told from any other code's.
    const pollers = () =>
      started.mock.calls.flatMap(([, ms], i) => (ms === 99 ? [started.mock.results[i]!.value] : []));
    const liveness = createJobLiveness({ db, pollMs: 99, maxStaleMs: 200 });
    try {
      expect(pollers()).toHaveLength(0);
      const jobId = await newJob();
      expect(await liveness.isLive(jobId)).toBe(true);
      expect(pollers()).toHaveLength(1);
      // Nobody asks for a second: the poller forgets the job and stops.
      await waitFor(() => cleared.mock.calls.some(([handle]) => handle === pollers()[0]), {
        message: "the idle poller to stop",
      });
      expect(await liveness.isLive(jobId)).toBe(true);
      expect(pollers()).toHaveLength(2);
    } finally {
      liveness.stop();
      started.mockRestore();
      cleared.mockRestore();
    }
  });

  it("takes a reported stop over any read that started before it, and a later read over the stop", async () => {
    const { db } = stack.database;
    const liveness = createJobLiveness({ db, pollMs: 10, maxStaleMs: 40 });
    try {
      const jobId = await newJob();
      expect(await liveness.isLive(jobId)).toBe(true);
      liveness.stopped(jobId);
      expect(liveness.isLive(jobId)).toBe(false);
      // The row still says planning (e.g. a retry made it live again): a read started after
      // the report may say so once the stop is older than maxStaleMs.
      await sleep(100);
      await waitFor(async () => (await liveness.isLive(jobId)) === true, {
        message: "a read newer than the stop to say live",
      });
    } finally {
      liveness.stop();
    }
  });
});
