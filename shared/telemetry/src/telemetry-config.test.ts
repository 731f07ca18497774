import { describe, expect, it } from "vitest";
import { loadTelemetryConfig } from "./telemetry-config.js";

describe("loadTelemetryConfig", () => {
  it("is off when no OTEL variable is set", () => {
    expect(loadTelemetryConfig({}).exporter).toBe("none");
  });

  it("turns OTLP on with an endpoint, and follows OTEL_TRACES_EXPORTER and OTEL_SDK_DISABLED", () => {
    expect(loadTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }).exporter).toBe(
      "otlp",
    );
    expect(
      loadTelemetryConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/v1/traces" }).exporter,
    ).toBe("otlp");
    expect(loadTelemetryConfig({ OTEL_TRACES_EXPORTER: "console" }).exporter).toBe("console");
    expect(
      loadTelemetryConfig({ OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" })
        .exporter,
    ).toBe("none");
    expect(loadTelemetryConfig({ OTEL_SDK_DISABLED: "true", OTEL_TRACES_EXPORTER: "otlp" }).exporter).toBe(
      "none",
    );
  });

  it("reads the sampler, parent-based by default", () => {
    expect(loadTelemetryConfig({})).toMatchObject({ sampling: { kind: "always_on" }, parentBased: true });
    expect(
      loadTelemetryConfig({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.25" }),
    ).toMatchObject({ sampling: { kind: "ratio", ratio: 0.25 }, parentBased: false });
  });

  it("names a bad variable", () => {
    expect(() => loadTelemetryConfig({ OTEL_TRACES_EXPORTER: "zipkin" })).toThrow(/OTEL_TRACES_EXPORTER/);
    expect(() => loadTelemetryConfig({ OTEL_TRACES_SAMPLER_ARG: "2" })).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
  });
});
