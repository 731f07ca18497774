/** A source of uniform numbers in [0, 1), like Math.random. */
export type RandomSource = () => number;

/** Returns a deterministic RNG (mulberry32): the same seed always yields the same sequence. */
export function createSeededRandom(seed: number): RandomSource {
  // mulberry32: tiny, fast and well distributed enough for fault rates; not for secrets.
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
