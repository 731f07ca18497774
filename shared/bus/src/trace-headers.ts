import {
  context,
  propagation,
  ROOT_CONTEXT,
  trace,
  type Context,
  type TextMapGetter,
  type TextMapSetter,
  type TracerProvider,
} from "@opentelemetry/api";
import type { MsgHdrs } from "nats";

const setter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => (carrier[key] = value),
};

const getter: TextMapGetter<MsgHdrs | undefined> = {
  keys: (carrier) => carrier?.keys() ?? [],
  get: (carrier, key) => (carrier?.has(key) ? carrier.get(key) : undefined),
};

/**
 * The active trace context as W3C headers (`traceparent`, `tracestate`), to
 * copy onto outgoing messages; empty when tracing is off, so callers can
 * compute it once per batch and skip the per-message work entirely.
 */
export function traceHeadersOfActiveContext(): Record<string, string> {
  return traceHeadersOf(context.active());
}

/** `traceContext` as W3C headers: for code that carries its trace context by hand (see withSpanIn). */
export function traceHeadersOf(traceContext: Context): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(traceContext, carrier, setter);
  return carrier;
}

/** Copies trace headers (from traceHeadersOfActiveContext) onto a message's headers. */
export function setTraceHeaders(target: MsgHdrs, traceHeaders: Record<string, string>): void {
  for (const key in traceHeaders) target.set(key, traceHeaders[key]!);
}

/** The last context extracted, and what it was extracted from (see traceContextOfHeaders). */
let lastExtracted:
  { provider: TracerProvider; traceparent: string; tracestate: string; context: Context } | undefined;

/**
 * The trace context a received message carries (the root context when it
 * carries none). Every work item of a job run carries the same `traceparent`
 * (the planner's span), so the context extracted for one delivery is handed
 * out again while the next ones carry the same trace headers: contexts are
 * immutable, and one shared context costs no parse and no allocation per item,
 * where a fresh one per item, held until the item's ledger write, cost the
 * revoke executor about 7 % of its rate with tracing on
 * (bench:revoke:observability). Keyed on the registered tracer provider too,
 * so tracing started again (tests) extracts afresh.
 */
export function traceContextOfHeaders(headers: MsgHdrs | undefined): Context {
  if (headers === undefined) return ROOT_CONTEXT;
  const traceparent = headers.get("traceparent");
  // No W3C trace (or tracing off at the sender): whatever the propagator makes of it, uncached.
  if (traceparent === "") return propagation.extract(ROOT_CONTEXT, headers, getter);
  const tracestate = headers.get("tracestate");
  const provider = trace.getTracerProvider();
  const last = lastExtracted;
  if (
    last !== undefined &&
    last.provider === provider &&
    last.traceparent === traceparent &&
    last.tracestate === tracestate
  )
    return last.context;
  const context = propagation.extract(ROOT_CONTEXT, headers, getter);
  lastExtracted = { provider, traceparent, tracestate, context };
  return context;
}
