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

  it("makes served services mirror the whole server until one is set on its own", () => {
    const health = createHealthReporter();
    health.serve(["warden.jobs.v1.JobsService", "warden.leases.v1.LeasesService"]);
    expect(health.getStatus("warden.jobs.v1.JobsService")).toBe(ServingStatus.SERVING);
    const seen: ServingStatus[] = [];
    health.watch("warden.jobs.v1.JobsService", (status) => seen.push(status));
    health.setStatus("warden.leases.v1.LeasesService", true);
    health.setStatus("", false);
    expect(seen).toEqual([ServingStatus.NOT_SERVING]);
    expect(health.getStatus("warden.leases.v1.LeasesService")).toBe(ServingStatus.SERVING);
    health.shutdown();
    expect(health.getStatus("warden.leases.v1.LeasesService")).toBe(ServingStatus.NOT_SERVING);
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
