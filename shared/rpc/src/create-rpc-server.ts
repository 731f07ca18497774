import { setMaxListeners } from "node:events";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import {
  Code,
  ConnectError,
  createContextValues,
  type ConnectRouter,
  type ContextValues,
  type Interceptor,
} from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { Health } from "@warden/proto/health/v1";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { createAuditInterceptor } from "./audit-interceptor.js";
import type { AuditLog } from "./audit-log.js";
import { clientAddressKey, remoteAddressOf } from "./client-address.js";
import { createCorsPolicy } from "./cors-policy.js";
import { errorMappingInterceptor } from "./error-mapping-interceptor.js";
import { respecGrpcMessageTrailer } from "./grpc-message-encoding.js";
import { closeAfterUnreadBody } from "./close-after-unread-body.js";
import { drainUnreadStream } from "./drain-unread-stream.js";
import type { HealthReporter } from "./health-reporter.js";
import { createHealthService } from "./health-service.js";
import { createInflightRequests } from "./inflight-requests.js";
import { observeRpcInterceptor } from "./observe-rpc-interceptor.js";
import { correctRequestDecodeErrors } from "./request-decode-errors.js";
import { shutdownSignalKey } from "./shutdown-signal.js";
import { sniffHttpVersion } from "./sniff-http-version.js";
import { traceRpcInterceptor } from "./trace-rpc-interceptor.js";

/** A request as the RPC server sees it: HTTP/1.1 (Connect, gRPC-Web, static) or HTTP/2 (gRPC). */
export type RpcServerRequest = http.IncomingMessage | http2.Http2ServerRequest;

/** What routes get besides the router: the drain signal, for handlers built with it. */
export interface RpcServerContext {
  /** Aborts when close() begins; server streams should end on it. */
  shutdownSignal: AbortSignal;
}

/** What createRpcServer needs; only routes, logger and health are required. */
export interface RpcServerOptions {
  /** Registers the service implementations; grpc.health.v1.Health is added automatically. */
  routes: (router: ConnectRouter, server: RpcServerContext) => void;
  logger: Logger;
  /** Drives grpc.health.v1.Health for "" and every routed service; NOT_SERVING on shutdown automatically. */
  health: HealthReporter;
  /**
   * Where every mutating RPC, token read and refused call is recorded; runs
   * outside error mapping, so rows carry the status the client gets. Omit
   * only where nothing is audited (tests of the server itself).
   */
  audit?: AuditLog;
  /** Run inside error mapping, so WardenErrors they throw (e.g. auth) are mapped too. */
  interceptors?: Interceptor[];
  /** Per-call values (e.g. the caller's identity); shutdownSignalKey is always added. */
  contextValues?: (req: RpcServerRequest) => ContextValues;
  /** Browser origins allowed by CORS besides the server's own; omit for same-origin only. */
  corsOrigins?: string[];
  /** Gets HTTP/1.1 requests for non-RPC paths; returns true if it answered, otherwise 404. */
  serveStatic?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
  /** Registry for warden_rpc_duration_seconds; omit to skip the metric. */
  registry?: Registry;
  /** How long a new connection may stay silent before it is dropped. Default 10 s. */
  sniffTimeoutMs?: number;
}

/** A built RPC server: nothing is bound until listen(). */
export interface RpcServer {
  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(port: number, host?: string): Promise<number>;
  /**
   * Stops accepting, ends server streams, lets in-flight calls finish for up
   * to graceMs, then cancels what is left (UNAVAILABLE) and drops every
   * connection. Safe to call more than once.
   */
  close(graceMs: number): Promise<void>;
  /** Aborts when close() begins. */
  readonly shutdownSignal: AbortSignal;
}

// Per message. No Warden request comes near it (the largest, an account with
// its tokens, is a few KB); a larger one is RESOURCE_EXHAUSTED as soon as its
// envelope or Content-Length announces it, before it is buffered.
const READ_MAX_BYTES = 1024 * 1024;
// Strict UTF-8 for JSON bodies (Connect's default decoder swaps bad bytes for
// U+FFFD and carries on); protobuf-es is already strict for binary strings.
// Connect reads textDecoder at run time though its option type omits it.
const JSON_OPTIONS = {
  ignoreUnknownFields: true,
  textDecoder: new TextDecoder("utf-8", { fatal: true }),
};
// After the grace period, cancelled handlers get this long to write their
// UNAVAILABLE before sockets are destroyed.
const FORCED_FLUSH_MS = 100;
// How long idle connections get to acknowledge our FIN/GOAWAY before they
// are destroyed; a peer that never closes its side must not hold close() up.
const POLITE_CLOSE_MS = 1000;

/**
 * Builds (without listening) one server that speaks gRPC over h2c with prior
 * knowledge and, on the same port, HTTP/1.1 Connect and gRPC-Web with CORS,
 * every call going through tracing, error mapping, logging, metrics and health.
 */
export function createRpcServer(options: RpcServerOptions): RpcServer {
  const { logger, health } = options;
  const draining = new AbortController();
  // Aborted only when the grace period runs out: becomes every handler's
  // context.signal abort, so downstream calls are cancelled then, not earlier.
  const forced = new AbortController();
  // Connect links every in-flight call's signal to `forced` (one listener per call, removed when
  // it ends) and handlers may watch `draining`: more than ten at once is normal load, not a leak.
  setMaxListeners(0, forced.signal, draining.signal);
  const inflight = createInflightRequests();
  const sockets = new Set<net.Socket>();
  const http1Sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  const cors = createCorsPolicy(options.corsOrigins);

  const handleRpc = connectNodeAdapter({
    routes(router) {
      router.service(Health, createHealthService(health));
      options.routes(router, { shutdownSignal: draining.signal });
      // Health answers for every service this port routes, named from the router
      // itself so a service added later can never be forgotten here.
      health.serve(new Set(router.handlers.map((handler) => handler.service.typeName)));
    },
    interceptors: [
      // Outermost, so the logs and metrics of a call happen inside its span.
      traceRpcInterceptor(),
      observeRpcInterceptor({ logger, registry: options.registry }),
      ...(options.audit ? [createAuditInterceptor({ log: options.audit, logger })] : []),
      errorMappingInterceptor(logger),
      ...(options.interceptors ?? []),
    ],
    contextValues(req) {
      const values = options.contextValues?.(req) ?? createContextValues();
      return values.set(shutdownSignalKey, draining.signal).set(clientAddressKey, remoteAddressOf(req));
    },
    shutdownSignal: forced.signal,
    readMaxBytes: READ_MAX_BYTES,
    jsonOptions: JSON_OPTIONS,
    requestGate: correctRequestDecodeErrors,
    fallback(req, res) {
      if (req instanceof http.IncomingMessage && options.serveStatic?.(req, res as http.ServerResponse))
        return;
      res.writeHead(404);
      res.end();
    },
  });

  // Neither HTTP server ever listens (the sniffing listener hands them
  // sockets), so their listen-time timers (headersTimeout, requestTimeout,
  // closeIdleConnections) do not apply; the sniff timeout guards silent
  // sockets and shutdown ends idle ones itself.
  const http1 = http.createServer((req, res) => {
    inflight.track(res);
    // A keep-alive client must not send its next call to a server on its way out.
    if (draining.signal.aborted) res.setHeader("Connection", "close");
    if (cors(req, res)) return;
    closeAfterUnreadBody(req, res);
    handleRpc(req, res);
  });

  const h2c = http2.createServer();
  h2c.on("request", (req, res) => {
    inflight.track(res);
    respecGrpcMessageTrailer(res);
    drainUnreadStream(req, res);
    handleRpc(req, res);
  });
  h2c.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    // GOAWAY at once: existing streams finish, no new ones start.
    if (draining.signal.aborted) session.close();
  });
  h2c.on("sessionError", (error) => logger.debug({ err: error }, "http2 session error"));

  const listener = net.createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    void sniffHttpVersion(socket, options.sniffTimeoutMs ?? 10_000).then((version) => {
      if (version === undefined || socket.destroyed) return socket.destroy();
      if (version === "h2") return h2c.emit("connection", socket);
      http1Sockets.add(socket);
      socket.once("close", () => http1Sockets.delete(socket));
      http1.emit("connection", socket);
      // The HTTP/1.1 parser reads in flowing mode; http2 reads the paused
      // socket's buffer itself, so only this side is resumed.
      socket.resume();
    });
  });

  let closing: Promise<void> | undefined;

  async function shutdown(graceMs: number): Promise<void> {
    const deadline = Date.now() + graceMs;
    health.shutdown();
    draining.abort();
    const stopped = new Promise<void>((resolve) => listener.close(() => resolve()));
    for (const session of sessions) session.close();

    const finished = await within(inflight.idle(), graceMs);
    if (!finished) {
      logger.warn({ inflight: inflight.count }, "grace period over; cancelling in-flight rpcs");
      forced.abort(new ConnectError("server is shutting down", Code.Unavailable));
      await within(inflight.idle(), FORCED_FLUSH_MS);
    }
    // What is left is idle: HTTP/1.1 keep-alive sockets (ended politely, so a
    // last response still in the socket buffer is flushed) and h2 sessions.
    for (const session of sessions) session.close();
    for (const socket of http1Sockets) socket.end();
    await within(stopped, Math.min(POLITE_CLOSE_MS, Math.max(FORCED_FLUSH_MS, deadline - Date.now())));
    for (const session of sessions) session.destroy();
    for (const socket of sockets) socket.destroy();
    await stopped;
  }

  return {
    shutdownSignal: draining.signal,
    listen(port, host = "0.0.0.0") {
      return new Promise((resolve, reject) => {
        listener.once("error", reject);
        listener.listen(port, host, () => {
          listener.off("error", reject);
          const bound = (listener.address() as net.AddressInfo).port;
          logger.info({ port: bound, host }, "rpc server listening (gRPC h2c, Connect, gRPC-Web)");
          resolve(bound);
        });
      });
    },
    close(graceMs) {
      closing ??= shutdown(graceMs);
      return closing;
    },
  };
}

/** Resolves true if `promise` settles within `ms`, false otherwise. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
