import { describe, expect, it } from "vitest";
import { createFairScheduler } from "./fair-scheduler.js";

describe("createFairScheduler", () => {
  it("serves waiting jobs round-robin within the per-auth-config bound", async () => {
    const scheduler = createFairScheduler({ globalLimit: 10, perAuthConfigLimit: 1 });
    const live = new AbortController().signal;
    expect(await scheduler.acquire("big", "ac_1", live)).toBe(true);
    const order: string[] = [];
    const waits = [
      ...["big", "big", "big"].map((job) => scheduler.acquire(job, "ac_1", live).then(() => order.push(job))),
      scheduler.acquire("small", "ac_1", live).then(() => order.push("small")),
    ];
    for (let i = 0; i < 4; i++) {
      scheduler.release("ac_1");
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(waits);
    // The small job's one item goes second, not after the big job's queue.
    expect(order).toEqual(["big", "small", "big", "big"]);
    expect(scheduler.inFlight).toBe(1);
  });

  it("hands back every waiter of an aborted signal and keeps serving the others", async () => {
    const scheduler = createFairScheduler({ globalLimit: 1, perAuthConfigLimit: 1 });
    const stoppedJob = new AbortController();
    const other = new AbortController().signal;
    expect(await scheduler.acquire("held", "ac_1", other)).toBe(true);
    const handedBack = Array.from({ length: 1_000 }, () =>
      scheduler.acquire("cancelled", "ac_1", stoppedJob.signal),
    );
    const waiting = scheduler.acquire("next", "ac_1", other);
    stoppedJob.abort();
    expect(new Set(await Promise.all(handedBack))).toEqual(new Set([false]));
    scheduler.release("ac_1");
    expect(await waiting).toBe(true);
    expect(scheduler.inFlight).toBe(1);
    expect(await scheduler.acquire("late", "ac_1", stoppedJob.signal)).toBe(false);
  });
});
