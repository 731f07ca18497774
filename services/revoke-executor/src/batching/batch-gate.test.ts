import DataLoader from "dataloader";
import { describe, expect, it } from "vitest";
import { createBatchGate } from "./batch-gate.js";

describe("createBatchGate", () => {
  it("runs at most `concurrency` batches at once and lets waiting batches grow", async () => {
    const gate = createBatchGate({ concurrency: 1, waitMs: 1 });
    const sizes: number[] = [];
    let running = 0;
    let most = 0;
    let release: () => void = () => undefined;
    const loader = new DataLoader<number, number>(
      (keys) =>
        gate.run(async () => {
          running++;
          most = Math.max(most, running);
          sizes.push(keys.length);
          if (sizes.length === 1) await new Promise<void>((resolve) => (release = resolve));
          running--;
          return keys;
        }),
      { cache: false, maxBatchSize: 100, batchScheduleFn: gate.schedule },
    );
    const first = loader.load(0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // While the first batch runs, later keys queue up in one batch instead of many.
    const later = [1, 2, 3, 4, 5].map(async (key) => {
      await new Promise((resolve) => setTimeout(resolve, key * 3));
      return loader.load(key);
    });
    await new Promise((resolve) => setTimeout(resolve, 40));
    release();
    expect(await first).toBe(0);
    expect(await Promise.all(later)).toEqual([1, 2, 3, 4, 5]);
    expect(sizes).toEqual([1, 5]);
    expect(most).toBe(1);
  });

  it("frees the slot when a batch fails", async () => {
    const gate = createBatchGate({ concurrency: 1, waitMs: 0 });
    let calls = 0;
    const loader = new DataLoader<number, number>(
      (keys) =>
        gate.run(async () => {
          if (++calls === 1) throw new Error("boom");
          return keys;
        }),
      { cache: false, batchScheduleFn: gate.schedule },
    );
    await expect(loader.load(1)).rejects.toThrow("boom");
    expect(await loader.load(2)).toBe(2);
  });
});
