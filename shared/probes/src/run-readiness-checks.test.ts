import { describe, expect, it } from "vitest";
import { runReadinessChecks } from "./run-readiness-checks.js";

describe("runReadinessChecks", () => {
  it("is ready when every check resolves", async () => {
    const report = await runReadinessChecks({ postgres: async () => {}, redis: async () => {} }, 100);
    expect(report).toMatchObject({ ready: true, checks: { postgres: "ok", redis: "ok" } });
  });

  it("names a hung check as a timeout within the timeout, running checks in parallel", async () => {
    const started = Date.now();
    const report = await runReadinessChecks(
      { postgres: () => new Promise(() => {}), nats: () => new Promise(() => {}), redis: async () => {} },
      50,
    );
    expect(Date.now() - started).toBeLessThan(500);
    expect(report.ready).toBe(false);
    expect(report.checks).toEqual({ postgres: "timeout", nats: "timeout", redis: "ok" });
  });

  it("reports a failing check by its error code but never its message", async () => {
    const refused = Object.assign(new Error("connect postgres://u:hunter2@db ECONNREFUSED"), {
      code: "ECONNREFUSED",
    });
    const report = await runReadinessChecks(
      {
        postgres: () => Promise.reject(refused),
        redis: () => {
          throw new Error("redis://:hunter2@cache unreachable");
        },
      },
      100,
    );
    expect(report.checks).toEqual({ postgres: "error: ECONNREFUSED", redis: "error" });
    expect(JSON.stringify(report.checks)).not.toContain("hunter2");
    expect(report.failures.postgres).toBe(refused);
  });
});
