import { createContextKey, type HandlerContext } from "@connectrpc/connect";

/**
 * Context value holding the server's drain signal: it aborts the moment
 * close() begins, while unary calls are still allowed to finish. Outside
 * createRpcServer (e.g. createRouterTransport in tests) it never aborts.
 */
export const shutdownSignalKey = createContextKey<AbortSignal>(new AbortController().signal, {
  description: "warden rpc server shutdown signal",
});

/**
 * An AbortSignal that fires when this call ends (client gone, deadline) or
 * the server starts shutting down; server-streaming handlers loop until it
 * fires so close() is never held up by an endless stream.
 */
export function streamSignal(context: Pick<HandlerContext, "signal" | "values">): AbortSignal {
  return AbortSignal.any([context.signal, context.values.get(shutdownSignalKey)]);
}
