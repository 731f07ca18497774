import { isWardenError } from "@warden/errors";
import { describe, expect, it } from "vitest";
import { withTimeout } from "./with-timeout.js";

describe("withTimeout", () => {
  it("resolves with the work's value when it finishes in time", async () => {
    await expect(withTimeout(Promise.resolve(42), 100, "db query")).resolves.toBe(42);
  });

  it("passes the work's own rejection through unchanged", async () => {
    const failure = new Error("boom");
    await expect(withTimeout(Promise.reject(failure), 100, "db query")).rejects.toBe(failure);
  });

  it("turns a hang into an unavailable WardenError naming the dependency", async () => {
    const started = Date.now();
    const error = await withTimeout(new Promise(() => {}), 30, "redis lock").catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(isWardenError(error) && error.kind).toBe("unavailable");
    expect((error as Error).message).toBe("redis lock timed out after 30ms");
  });

  it("aborts the signal it handed to the work at the deadline", async () => {
    let seen: AbortSignal | undefined;
    await withTimeout(
      (signal) => {
        seen = signal;
        return new Promise(() => {});
      },
      20,
      "provider call",
    ).catch(() => undefined);
    expect(seen?.aborted).toBe(true);
  });
});
