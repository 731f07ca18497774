import { describe, expect, it } from "vitest";
import {
  DEFAULT_RETRY_POLICY,
  isPermanent,
  PermanentError,
  retryDelayMs,
  retryUntilDone,
  type RetryPolicy,
} from "./retry-policy.js";

const middle = () => 0.5;
const FAST: RetryPolicy = { initialMs: 1, factor: 2, maxMs: 8, jitter: 0.2 };

describe("retryDelayMs", () => {
  it("starts at 1 s and doubles up to the 1 h cap", () => {
    const delays = Array.from({ length: 16 }, (_, i) => retryDelayMs(DEFAULT_RETRY_POLICY, i + 1, middle));
    expect(delays.slice(0, 5)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    expect(delays[12]).toBe(3_600_000);
    expect(delays[15]).toBe(3_600_000);
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 10_000, middle)).toBe(3_600_000);
  });

  it("jitters every delay by at most 20 % either way", () => {
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 1, () => 0)).toBe(800);
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 1, () => 0.999999)).toBe(1_200);
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, 30, () => 0)).toBe(2_880_000);
    for (let i = 0; i < 1_000; i++) {
      const delay = retryDelayMs(DEFAULT_RETRY_POLICY, 3);
      expect(delay).toBeGreaterThanOrEqual(3_200);
      expect(delay).toBeLessThanOrEqual(4_800);
    }
  });
});

describe("retryUntilDone", () => {
  it("keeps retrying a transient failure until it succeeds", async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await retryUntilDone(
      async () => {
        calls++;
        if (calls < 40) throw new Error("503");
        return "ok";
      },
      { policy: FAST, onRetry: (_e, _n, delay) => waits.push(delay) },
    );
    expect(result).toBe("ok");
    expect(calls).toBe(40);
    expect(waits).toHaveLength(39);
    expect(Math.max(...waits)).toBeLessThanOrEqual(Math.round(8 * 1.2));
  });

  it("stops at once on an error marked permanent", async () => {
    let calls = 0;
    await expect(
      retryUntilDone(
        async () => {
          calls++;
          throw new PermanentError("HTTP 400");
        },
        { policy: FAST },
      ),
    ).rejects.toThrow("HTTP 400");
    expect(calls).toBe(1);
    const flagged = Object.assign(new Error("bad config"), { permanent: true });
    expect(isPermanent(flagged)).toBe(true);
    expect(isPermanent(new Error("x"))).toBe(false);
  });

  it("ends a pending wait as soon as the signal aborts", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const running = retryUntilDone(
      async () => {
        throw new Error("down");
      },
      { policy: { ...FAST, initialMs: 60_000, maxMs: 60_000 }, signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error("stopping")), 20);
    await expect(running).rejects.toThrow("stopping");
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
