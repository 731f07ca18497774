import { parseConfig } from "@warden/config";
import { z } from "zod";

/** Where finished spans go: nowhere (the default), an OTLP/HTTP collector, or stdout. */
export type TraceExporterKind = "none" | "otlp" | "console";

/** How many traces are kept: every one, a ratio of root traces, or none. */
export type TraceSampling = { kind: "always_on" | "always_off" } | { kind: "ratio"; ratio: number };

/** What the standard OTEL_* variables ask for. */
export interface TelemetryConfig {
  exporter: TraceExporterKind;
  sampling: TraceSampling;
  /** Follow the caller's sampling decision (W3C `sampled` flag) for traces started elsewhere. */
  parentBased: boolean;
}

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

// Only the standard variable names: operators configure Warden like any other OpenTelemetry app.
const schema = z.object({
  OTEL_SDK_DISABLED: z
    .enum(["true", "false", ""])
    .optional()
    .transform((value) => value === "true"),
  OTEL_TRACES_EXPORTER: z.enum(["none", "otlp", "console", ""]).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalText,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalText,
  OTEL_TRACES_SAMPLER: z
    .enum([
      "always_on",
      "always_off",
      "traceidratio",
      "parentbased_always_on",
      "parentbased_always_off",
      "parentbased_traceidratio",
      "",
    ])
    .optional(),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
});

/**
 * Reads the standard OTEL_* variables. Unlike the SDK default, tracing is OFF
 * unless OTEL_TRACES_EXPORTER names an exporter or an OTLP endpoint is set, so
 * a stack without a collector pays for the no-op API only. A bad value throws
 * a ConfigError naming the variable.
 */
export function loadTelemetryConfig(env: NodeJS.ProcessEnv = process.env): TelemetryConfig {
  const vars = parseConfig(schema, env);
  const endpoint = vars.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? vars.OTEL_EXPORTER_OTLP_ENDPOINT;
  const named = vars.OTEL_TRACES_EXPORTER || undefined;
  const exporter: TraceExporterKind = vars.OTEL_SDK_DISABLED
    ? "none"
    : (named ?? (endpoint === undefined ? "none" : "otlp"));
  const sampler = vars.OTEL_TRACES_SAMPLER || "parentbased_always_on";
  const base = sampler.replace(/^parentbased_/, "");
  const sampling: TraceSampling =
    base === "traceidratio"
      ? { kind: "ratio", ratio: vars.OTEL_TRACES_SAMPLER_ARG ?? 1 }
      : { kind: base as "always_on" | "always_off" };
  return { exporter, sampling, parentBased: sampler.startsWith("parentbased_") };
}
