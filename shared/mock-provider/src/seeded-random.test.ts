import { describe, expect, it } from "vitest";
import { createSeededRandom } from "./seeded-random.js";

describe("createSeededRandom", () => {
  it("repeats the same sequence for the same seed", () => {
    const a = createSeededRandom(42);
    const b = createSeededRandom(42);
    const first = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(first);
    expect(Array.from({ length: 5 }, createSeededRandom(43))).not.toEqual(first);
  });

  it("stays in [0, 1) and is roughly uniform", () => {
    const random = createSeededRandom(7);
    let below = 0;
    for (let i = 0; i < 10_000; i++) {
      const value = random();
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
      if (value < 0.25) below++;
    }
    expect(below / 10_000).toBeCloseTo(0.25, 1);
  });
});
