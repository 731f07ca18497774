import { describe, expect, it } from "vitest";
import { createInFlightLimiter } from "./in-flight-limiter.js";

describe("createInFlightLimiter", () => {
  it("never grants more than the limit and hands freed slots to waiters in order", async () => {
    const limiter = createInFlightLimiter(2);
    const signal = new AbortController().signal;
    expect(await limiter.acquire(signal)).toBe(true);
    expect(await limiter.acquire(signal)).toBe(true);
    const order: number[] = [];
    const third = limiter.acquire(signal).then((ok) => order.push(3) && ok);
    const fourth = limiter.acquire(signal).then((ok) => order.push(4) && ok);
    await Promise.resolve();
    expect(order).toEqual([]);
    limiter.release();
    expect(await third).toBe(true);
    expect(limiter.active).toBe(2);
    limiter.release();
    expect(await fourth).toBe(true);
    expect(order).toEqual([3, 4]);
  });

  it("an abort releases waiters without a slot, and idle waits for the last release", async () => {
    const limiter = createInFlightLimiter(1);
    const controller = new AbortController();
    await limiter.acquire(controller.signal);
    const waiting = limiter.acquire(controller.signal);
    controller.abort();
    expect(await waiting).toBe(false);
    expect(await limiter.acquire(controller.signal)).toBe(false);
    let idle = false;
    const idlePromise = limiter.idle().then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    limiter.release();
    await idlePromise;
    expect(limiter.active).toBe(0);
  });

  it("rejects a non-positive limit and a release without acquire", () => {
    expect(() => createInFlightLimiter(0)).toThrow(/positive/);
    expect(() => createInFlightLimiter(1).release()).toThrow(/without acquire/);
  });
});
