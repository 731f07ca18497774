import { describe, expect, it } from "vitest";
import { createMetricsRegistry } from "./create-metrics-registry.js";

describe("createMetricsRegistry", () => {
  it("collects default Node metrics labelled with the service", async () => {
    const text = await createMetricsRegistry("sweeper").metrics();
    expect(text).toMatch(/process_cpu_user_seconds_total\{service="sweeper"\}/);
    expect(text).toContain("nodejs_eventloop_lag_seconds");
  });

  it("keeps two services' registries apart", async () => {
    createMetricsRegistry("a");
    const text = await createMetricsRegistry("b").metrics();
    expect(text).not.toContain('service="a"');
  });
});
