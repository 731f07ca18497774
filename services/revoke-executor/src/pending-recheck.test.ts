import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { waitFor } from "@warden/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCountsAddUp, seedProject, startProjectJob, waitForJobStatus } from "./test-fixtures.js";
import { openTestStack, startTestExecutor, type TestStack } from "./test-stack.js";

// A delivery admitted by a ledger read waits for a provider slot; meanwhile its
// item is settled elsewhere (as a redelivered copy on another executor would
// settle it). A read older than recheckAfterMs must be asked again before the
// call, and the provider must not hear of the item a second time.

let stack: TestStack;
let provider: MockProvider;

beforeAll(async () => {
  stack = await openTestStack("rexec_recheck");
  provider = await startMockProvider({ seed: 29 });
});

afterAll(async () => {
  await provider?.close();
  await stack?.close();
});

describe("the pending recheck before a provider call", () => {
  it("skips an item settled while its delivery waited longer than recheckAfterMs for a slot", async () => {
    const { db } = stack.database;
    // One slot and a slow provider: the second item waits for the first call's 1.5 s.
    provider.configure({ latencyMs: 1_500 });
    const executor = await startTestExecutor(stack, { perAuthConfigLimit: 1, recheckAfterMs: 300 });
    let acquires = 0;
    const acquire = executor.executor.scheduler.acquire.bind(executor.executor.scheduler);
    executor.executor.scheduler.acquire = (...args) => {
      acquires++;
      return acquire(...args);
    };
    try {
      const project = await seedProject(db, stack.keyring, { accounts: 2, revokeUrl: provider.revokeUrl });
      const jobId = await startProjectJob(db, stack.bus, stack.namespace, project);
      // Both deliveries passed their ledger read (a slot is asked for only after it); one call is at the provider.
      await waitFor(() => acquires === 2 && provider.counters.revokeCalls === 1, {
        message: "one call in flight and one delivery waiting for its slot",
      });
      const called = (account: (typeof project.accounts)[number]) =>
        provider.counters.revokeCallsByToken.has(account.refreshToken) ||
        provider.counters.revokeCallsByToken.has(account.accessToken);
      const waiting = project.accounts.find((account) => !called(account))!;
      // Settled elsewhere, as an executor holding another copy of the message would have.
      await db.transaction().execute(async (trx) => {
        await sql`update revoke_items set status = 'revoked', updated_at = now()
                   where job_id = ${jobId} and account_id = ${waiting.id} and status = 'pending'`.execute(
          trx,
        );
        await sql`update revoke_jobs set pending = pending - 1, revoked = revoked + 1 where id = ${jobId}`.execute(
          trx,
        );
      });

      const job = await waitForJobStatus(db, jobId, "completed");
      expect(job).toMatchObject({ total: 2, revoked: 2, pending: 0 });
      await expectCountsAddUp(db, jobId);
      expect(called(waiting)).toBe(false);
      expect(provider.counters.revokeCalls).toBe(1);
    } finally {
      await executor.stop();
    }
  }, 60_000);
});
