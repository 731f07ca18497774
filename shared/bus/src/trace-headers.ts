import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Context,
  type TextMapGetter,
  type TextMapSetter,
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

/** The trace context a received message carries (the root context when it carries none). */
export function traceContextOfHeaders(headers: MsgHdrs | undefined): Context {
  return headers === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, headers, getter);
}
