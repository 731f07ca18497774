import {
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type Tracer,
  type TracerProvider,
} from "@opentelemetry/api";

// Registering a provider after trace.disable() replaces the global proxy, and a
// tracer taken from the old one stays a no-op: so the tracer is re-taken
// whenever the global provider changed (once per registration, not per span).
let cached: { provider: TracerProvider; tracer: Tracer } | undefined;
function wardenTracer(): Tracer {
  const provider = trace.getTracerProvider();
  if (cached?.provider !== provider) cached = { provider, tracer: provider.getTracer("warden") };
  return cached.tracer;
}

/** Options of a span beyond its name. */
export interface SpanOptions {
  attributes?: Attributes;
  kind?: SpanKind;
  /** Parent context (e.g. extracted from message headers); default the active one. */
  parent?: Context;
}

/**
 * Runs `fn` inside a new active span that ends when `fn` settles, marked as an
 * error (type only, never the message, which may carry a secret) if it throws.
 * Without a registered tracer provider this is a no-op span: nothing is recorded.
 */
export function withSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const run = (span: Span) => runInSpan(span, () => fn(span));
  const spanOptions = { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes };
  const tracer = wardenTracer();
  return options.parent === undefined
    ? tracer.startActiveSpan(name, spanOptions, run)
    : tracer.startActiveSpan(name, spanOptions, options.parent, run);
}

/**
 * Runs `fn` in a new span, child of `parent`, and hands `fn` the context that
 * holds it (the parent of `fn`'s own spans and of trace headers it sends),
 * without making it the active context. For hot paths: on Node 20 the first
 * active context switches AsyncLocalStorage's promise hooks on for the whole
 * process, which cost the revoke executor about 17 % of its rate
 * (bench:revoke:observability); passing the context by hand costs nothing.
 */
export function withSpanIn<T>(
  parent: Context,
  name: string,
  options: Omit<SpanOptions, "parent">,
  fn: (span: Span, spanContext: Context) => Promise<T>,
): Promise<T> {
  const spanOptions = { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes };
  const span = wardenTracer().startSpan(name, spanOptions, parent);
  // Not recording (no provider registered, or not sampled): nothing to end or mark, and the
  // parent's context carries the same trace on, without a context copy and an async frame per call.
  if (!span.isRecording()) return fn(span, parent);
  return runInSpan(span, () => fn(span, trace.setSpan(parent, span)));
}

/**
 * Records a span that already happened: child of `parent`, from `startedAt`
 * (a `performance.now()` reading) to now, marked as an error (type only) when
 * `error` is given. Returns its span context, or undefined when nothing was
 * recorded (tracing off, or not sampled). For work whose worth tracing is known
 * only once it is over: nothing is made for the calls that are not recorded.
 */
export function recordEndedSpan(
  parent: Context,
  name: string,
  options: Omit<SpanOptions, "parent"> & { startedAt: number; error?: unknown },
): SpanContext | undefined {
  const span = wardenTracer().startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, startTime: options.startedAt },
    parent,
  );
  if (!span.isRecording()) return undefined;
  if (options.error !== undefined) markFailed(span, options.error);
  span.end();
  return span.spanContext();
}

/** The SDK's default span link limit: links past it would be dropped anyway. */
const MAX_LINKS = 128;

/**
 * Runs `fn` once for a batch of items inside one span per trace among the
 * items' span contexts (`items`, e.g. each item's provider call): each span is
 * a child of its trace's first item and links the others (up to 128), and
 * `warden.batch.items` says how many of the batch's items it stands for. A
 * batched write then costs a span per batch, not per item, and still shows in
 * every trace it serves. Items without a valid span context (tracing off) add
 * nothing, and neither does their `fn`.
 */
export async function withBatchSpans<T>(
  name: string,
  items: ReadonlyArray<SpanContext | undefined>,
  options: Omit<SpanOptions, "parent">,
  fn: () => Promise<T>,
): Promise<T> {
  // Items may share a span (items with no span of their own carry their planner's): each span is
  // the parent or one link, not a link per item.
  const byTrace = new Map<
    string,
    { first: SpanContext; spanIds: Set<string>; links: Link[]; items: number }
  >();
  for (const item of items) {
    if (item === undefined || !isSpanContextValid(item)) continue;
    const group = byTrace.get(item.traceId);
    if (group === undefined) {
      byTrace.set(item.traceId, { first: item, spanIds: new Set([item.spanId]), links: [], items: 1 });
      continue;
    }
    group.items++;
    if (group.links.length < MAX_LINKS && !group.spanIds.has(item.spanId)) {
      group.spanIds.add(item.spanId);
      group.links.push({ context: item });
    }
  }
  if (byTrace.size === 0) return fn();
  const tracer = wardenTracer();
  const spans = [...byTrace.values()].map(({ first, links, items }) =>
    tracer.startSpan(
      name,
      {
        kind: options.kind ?? SpanKind.INTERNAL,
        attributes: { ...options.attributes, "warden.batch.items": items },
        links,
      },
      trace.setSpanContext(ROOT_CONTEXT, first),
    ),
  );
  try {
    return await fn();
  } catch (error) {
    for (const span of spans) markFailed(span, error);
    throw error;
  } finally {
    for (const span of spans) span.end();
  }
}

/**
 * Runs `fn`, marks `span` as an error if it throws or rejects, and ends it
 * either way. Chained with `then` rather than awaited: no async frame per span.
 */
function runInSpan<T>(span: Span, fn: () => Promise<T>): Promise<T> {
  let result: Promise<T>;
  try {
    result = fn();
  } catch (error) {
    markFailed(span, error);
    span.end();
    return Promise.reject(error);
  }
  return result.then(
    (value) => {
      span.end();
      return value;
    },
    (error: unknown) => {
      markFailed(span, error);
      span.end();
      throw error;
    },
  );
}

/** An error span names the error's type only, never its message, which may carry a secret. */
function markFailed(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR });
  span.setAttribute("error.type", errorType(error));
}

function errorType(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" || typeof code === "number") return String(code);
  return error instanceof Error ? error.name : "unknown";
}
