import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
} from "@opentelemetry/api";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";

const headerGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

const headerSetter: TextMapSetter<Headers> = {
  set: (headers, key, value) => headers.set(key, value),
};

/**
 * Server interceptor: continues the caller's trace from its W3C `traceparent`
 * header (gRPC metadata and Connect headers alike) in a SERVER span named
 * `<service>/<method>`, active while the handler runs, ended when the call
 * (or its last streamed message) is done. A no-op span while tracing is off.
 */
export function traceRpcInterceptor(): Interceptor {
  return (next) => async (req) => {
    const parent = propagation.extract(ROOT_CONTEXT, req.header, headerGetter);
    const span = trace.getTracer("warden").startSpan(
      `${req.service.typeName}/${req.method.name}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "rpc.system": "connect_rpc",
          "rpc.service": req.service.typeName,
          "rpc.method": req.method.name,
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    let res;
    try {
      res = await context.with(active, () => next(req));
    } catch (error) {
      endSpan(span, error);
      throw error;
    }
    if (!res.stream) {
      endSpan(span, undefined);
      return res;
    }
    return { ...res, message: traceStream(res.message, span) };
  };
}

/**
 * Client interceptor: sends the active trace context as W3C headers, so the
 * server's spans join the caller's trace.
 */
export function traceContextClientInterceptor(): Interceptor {
  return (next) => (req) => {
    propagation.inject(context.active(), req.header, headerSetter);
    return next(req);
  };
}

async function* traceStream<T>(messages: AsyncIterable<T>, span: Span): AsyncGenerator<T> {
  let failure: unknown;
  try {
    yield* messages;
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    endSpan(span, failure);
  }
}

function endSpan(span: Span, error: unknown): void {
  if (error !== undefined) {
    // The code only: an error message may carry what the caller sent.
    const code = codeToString(error instanceof ConnectError ? error.code : Code.Internal);
    span.setAttribute("rpc.connect_rpc.error_code", code);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}
