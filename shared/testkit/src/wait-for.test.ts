import { describe, expect, it } from "vitest";
import { waitFor } from "./wait-for.js";

describe("waitFor", () => {
  it("resolves with the first truthy value, retrying through falsy results and errors", async () => {
    let calls = 0;
    const value = await waitFor(
      () => {
        calls++;
        if (calls === 1) throw new Error("not yet");
        return calls >= 3 ? { calls } : undefined;
      },
      { message: "three calls", intervalMs: 1 },
    );
    expect(value).toEqual({ calls: 3 });
  });

  it("names what it waited for, and the last error, when time runs out", async () => {
    const started = Date.now();
    await expect(
      waitFor(
        () => {
          throw new Error("connection refused");
        },
        { message: "the pump to answer", timeoutMs: 120, intervalMs: 10 },
      ),
    ).rejects.toThrow(
      "timed out after 120 ms waiting for the pump to answer (last error: connection refused)",
    );
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
