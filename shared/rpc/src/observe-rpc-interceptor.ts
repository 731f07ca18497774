import { Code, ConnectError, type ContextValues, type Interceptor } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { Histogram, type Registry } from "prom-client";
import type { Logger } from "pino";
import { actorOf } from "./audit-actor.js";

/** Name of the RPC latency histogram, labelled by service, method and code. */
export const RPC_DURATION_METRIC = "warden_rpc_duration_seconds";

/** Where observeRpcInterceptor logs and records. */
export interface ObserveRpcOptions {
  logger: Logger;
  /** Where `warden_rpc_duration_seconds` is registered; omit to log only. */
  registry?: Registry;
}

/**
 * Server interceptor that logs each call at debug (method, code, duration —
 * never headers or messages, which carry secrets) and records its duration;
 * streams are measured until their last message or failure.
 */
export function observeRpcInterceptor(options: ObserveRpcOptions): Interceptor {
  const histogram = options.registry ? rpcDurationHistogram(options.registry) : undefined;
  return (next) => async (req) => {
    const started = performance.now();
    const labels = { service: req.service.typeName, method: req.method.name };
    const record = (code: string) => {
      const seconds = (performance.now() - started) / 1000;
      histogram?.observe({ ...labels, code }, seconds);
      options.logger.debug(
        { ...labels, code, durationMs: Math.round(seconds * 1000), ...callerFields(req.contextValues) },
        "rpc",
      );
    };
    let res;
    try {
      res = await next(req);
    } catch (error) {
      record(codeOf(error));
      throw error;
    }
    if (!res.stream) {
      record("ok");
      return res;
    }
    return { ...res, message: observeStream(res.message, record) };
  };
}

async function* observeStream<T>(
  messages: AsyncIterable<T>,
  record: (code: string) => void,
): AsyncGenerator<T> {
  // A stream the client abandons is returned early: neither ok nor an error.
  let code = "canceled";
  try {
    yield* messages;
    code = "ok";
  } catch (error) {
    code = codeOf(error);
    throw error;
  } finally {
    record(code);
  }
}

// Which key (or lease) made the call, so a log line answers "who did this"
// without the audit table; ids only, never the credential.
function callerFields(values: ContextValues): Record<string, string> {
  const actor = actorOf(values);
  if (actor.kind === "api_key") return { actor: actor.kind, keyId: actor.id! };
  if (actor.kind === "lease") return { actor: actor.kind, leaseId: actor.id! };
  return { actor: actor.kind };
}

function codeOf(error: unknown): string {
  return codeToString(error instanceof ConnectError ? error.code : Code.Internal);
}

// A registry may serve several servers in one process (tests, a gateway with
// two listeners); registering the same name twice would throw.
function rpcDurationHistogram(registry: Registry): Histogram<"service" | "method" | "code"> {
  const existing = registry.getSingleMetric(RPC_DURATION_METRIC);
  if (existing) return existing as Histogram<"service" | "method" | "code">;
  return new Histogram({
    name: RPC_DURATION_METRIC,
    help: "Duration of RPCs served, by service, method and status code.",
    labelNames: ["service", "method", "code"],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
}
