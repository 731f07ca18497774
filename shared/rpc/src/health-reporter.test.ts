import { HealthCheckResponse_ServingStatus as ServingStatus } from "@warden/proto/health/v1";
import { describe, expect, it } from "vitest";
import { createHealthReporter } from "./health-reporter.js";

describe("createHealthReporter", () => {
  it("reports the whole server serving and unnamed services unknown at start", () => {
    const health = createHealthReporter();
    expect(health.getStatus("")).toBe(ServingStatus.SERVING);
    expect(health.getStatus("warden.jobs.v1.JobsService")).toBe(ServingStatus.SERVICE_UNKNOWN);
  });

  it("notifies watchers of changes only, and stops after unsubscribe", () => {
    const health = createHealthReporter();
    const seen: ServingStatus[] = [];
    const stop = health.watch("db", (status) => seen.push(status));
    health.setStatus("db", true);
    health.setStatus("db", true);
    health.setStatus("db", false);
    stop();
    health.setStatus("db", true);
    expect(seen).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
  });

  it("marks everything not serving on shutdown and ignores later updates", () => {
    const health = createHealthReporter();
    health.setStatus("db", true);
    health.shutdown();
    health.setStatus("", true);
    expect(health.getStatus("")).toBe(ServingStatus.NOT_SERVING);
    expect(health.getStatus("db")).toBe(ServingStatus.NOT_SERVING);
  });
});
