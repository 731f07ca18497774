import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { envDetector, detectResources, resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace";
import { loadTelemetryConfig, type TelemetryConfig } from "./telemetry-config.js";

/** The tracing a process runs with. */
export interface Telemetry {
  /** False when no exporter is configured: only the no-op API runs. */
  readonly enabled: boolean;
  /** Exports the spans still buffered, then stops the provider (last shutdown step). */
  shutdown(): Promise<void>;
}

/** What startTelemetry needs; `processors` replace the configured exporter (tests). */
export interface StartTelemetryOptions {
  service: string;
  env?: NodeJS.ProcessEnv;
  /** Span processors to use instead of the one the environment configures. */
  processors?: SpanProcessor[];
  /**
   * Register the AsyncLocalStorage context manager (default true). A process
   * that carries its trace context by hand (the revoke executor: withSpanIn,
   * WorkDelivery.traceContext) passes false: the first active context would
   * switch Node 20's promise hooks on for the whole process, the exporter's own
   * `context.with` included, at about 17 % of the revoke rate.
   */
  activeContext?: boolean;
}

const DISABLED: Telemetry = { enabled: false, shutdown: async () => undefined };

/**
 * Starts tracing for this process, the first thing each main.ts does: with an
 * exporter configured (OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_*), registers
 * a tracer provider, AsyncLocalStorage context and the W3C trace-context
 * propagator globally; otherwise registers nothing and returns a no-op.
 */
export function startTelemetry(options: StartTelemetryOptions): Telemetry {
  const config = loadTelemetryConfig(options.env);
  const processors = options.processors ?? processorsFor(config);
  if (processors.length === 0) return DISABLED;

  const resource = resourceFromAttributes({ "service.name": options.service }).merge(
    detectResources({ detectors: [envDetector] }),
  );
  const provider = new TracerProvider({ resource, sampler: samplerFor(config), spanProcessors: processors });
  // A previous registration (a second start in one test process) would make the new one a silent no-op.
  trace.disable();
  context.disable();
  propagation.disable();
  if (options.activeContext !== false)
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    enabled: true,
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

function processorsFor(config: TelemetryConfig): SpanProcessor[] {
  const exporter: SpanExporter | undefined =
    config.exporter === "otlp"
      ? // Reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT/HEADERS/TIMEOUT itself.
        new OTLPTraceExporter()
      : config.exporter === "console"
        ? new ConsoleSpanExporter()
        : undefined;
  return exporter === undefined ? [] : [new BatchSpanProcessor({ exporter })];
}

function samplerFor(config: TelemetryConfig): Sampler {
  const root =
    config.sampling.kind === "ratio"
      ? new TraceIdRatioBasedSampler(config.sampling.ratio)
      : config.sampling.kind === "always_off"
        ? new AlwaysOffSampler()
        : new AlwaysOnSampler();
  return config.parentBased ? new ParentBasedSampler({ root }) : root;
}
