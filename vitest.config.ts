import { defineConfig } from "vitest/config";

// One runner for the whole workspace. Integration tests talk to the real
// PostgreSQL, Redis and NATS, so they get generous timeouts and run with
// limited parallelism on small CI machines.
export default defineConfig({
  test: {
    include: ["shared/*/src/**/*.test.ts", "services/*/src/**/*.test.ts", "bench/**/*.test.ts"],
    testTimeout: 60_000,
    // expect.poll waits for a condition; its 1 s default is a timer a loaded machine misses
    // (a dashboard re-render under two busy loops took longer once).
    expect: { poll: { timeout: 30_000, interval: 100 } },
    hookTimeout: 120_000,
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    globalSetup: ["shared/testkit/src/global-setup.ts"],
    reporters: ["default", "./shared/testkit/src/summary-reporter.ts"],
  },
});
