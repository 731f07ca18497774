import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import { runReadinessChecks, type ReadinessCheck } from "./run-readiness-checks.js";

/** The slice of a pino logger the probe server uses; any pino Logger fits. */
export interface ProbeLogger {
  warn(obj: object, msg?: string): void;
}

/** What the probe port serves: a registry and one check per real dependency. */
export interface ProbeServerOptions {
  port: number;
  /** Default 127.0.0.1; services pass WARDEN_BIND_HOST (0.0.0.0 in containers, so the kubelet can reach it). */
  host?: string;
  registry: Registry;
  /** One check per real dependency, e.g. `{ postgres: () => db.ping(), nats: ... }`. */
  checks: Record<string, ReadinessCheck>;
  logger?: ProbeLogger;
  /** Each check's bound; a slower dependency counts as down. Default 1000 ms. */
  checkTimeoutMs?: number;
}

/** A listening probe server. */
export interface ProbeServer {
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** Makes /readyz answer 503 from now on, so traffic drains before shutdown; /healthz stays 200. */
  setShuttingDown(): void;
  /** Stops the server and drops its keep-alive connections. */
  close(): Promise<void>;
}

/**
 * Starts the probe port: `/healthz` 200 while the process runs, `/readyz` 200
 * only when every check passes in time (503 naming the failed dependencies,
 * never their error messages), `/metrics` the registry in Prometheus text.
 */
export async function startProbeServer(options: ProbeServerOptions): Promise<ProbeServer> {
  const checkTimeoutMs = options.checkTimeoutMs ?? 1000;
  let shuttingDown = false;

  async function readiness(): Promise<[number, object]> {
    if (shuttingDown) return [503, { status: "shutting_down" }];
    const report = await runReadinessChecks(options.checks, checkTimeoutMs);
    if (report.ready) return [200, { status: "ready", checks: report.checks }];
    for (const [name, failure] of Object.entries(report.failures)) {
      options.logger?.warn({ check: name, err: failure }, "readiness check failed");
    }
    return [503, { status: "not_ready", checks: report.checks }];
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?", 1)[0];
    if (req.method !== "GET" && req.method !== "HEAD")
      return reply(res, 405, { error: "method not allowed" });
    switch (path) {
      case "/healthz":
        return reply(res, 200, { status: "alive" });
      case "/readyz":
        return reply(res, ...(await readiness()));
      case "/metrics": {
        const text = await options.registry.metrics();
        res.writeHead(200, { "Content-Type": options.registry.contentType }).end(text);
        return;
      }
      default:
        return reply(res, 404, { error: "not found" });
    }
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      options.logger?.warn({ err: error }, "probe request failed");
      if (!res.headersSent) reply(res, 500, { error: "internal error" });
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });

  return {
    port: (server.address() as AddressInfo).port,
    setShuttingDown() {
      shuttingDown = true;
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function reply(res: http.ServerResponse, status: number, body: object): void {
  res
    .writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" })
    .end(JSON.stringify(body));
}
