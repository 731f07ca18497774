import { request } from "node:http";
import { createServer, type Server } from "node:http";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboard } from "../dashboard/build.js";
import { createDashboardFiles } from "./dashboard-files.js";
import { startTestGateway, type TestGateway } from "./test-gateway.js";
import { runDashboardBrowserChecks } from "./test-dashboard-browser.js";

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends `path` byte for byte (fetch would normalise "..", which is exactly what must be tested). */
function rawRequest(port: number, path: string, method = "GET"): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

let gateway: TestGateway;
let files: string[];

beforeAll(async () => {
  // One build per run, before the gateway serves it (the browser test below uses the same files).
  files = await buildDashboard();
  gateway = await startTestGateway({ label: "dashboard" });
});

afterAll(async () => {
  await gateway?.close();
});

describe("the gateway serves the dashboard on its RPC port", () => {
  it("/ is index.html (revalidated every load, with a strict CSP) naming the hashed bundle", async () => {
    const index = await rawRequest(gateway.port, "/");
    expect(index.status).toBe(200);
    expect(index.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(index.headers["cache-control"]).toBe("no-cache");
    expect(index.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(index.headers["x-content-type-options"]).toBe("nosniff");
    const app = files.find((f) => /^app-[A-Z0-9]{8}\.js$/.test(f))!;
    expect(index.body).toContain(`src="/${app}"`);
    expect((await rawRequest(gateway.port, "/index.html")).body).toBe(index.body);
    expect((await rawRequest(gateway.port, "/?from=bookmark")).status).toBe(200);
  });

  it("the bundle is JavaScript, cacheable for a year, and HEAD answers without a body", async () => {
    const app = files.find((f) => /^app-[A-Z0-9]{8}\.js$/.test(f))!;
    const js = await rawRequest(gateway.port, `/${app}`);
    expect(js.status).toBe(200);
    expect(js.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(js.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(Number(js.headers["content-length"])).toBe(Buffer.byteLength(js.body));
    const css = files.find((f) => f.endsWith(".css"))!;
    expect((await rawRequest(gateway.port, `/${css}`)).headers["content-type"]).toBe(
      "text/css; charset=utf-8",
    );
    const head = await rawRequest(gateway.port, `/${app}`, "HEAD");
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
  });

  it("traversal, hidden, unlisted and unknown paths are 404, and so is any non-GET", async () => {
    for (const path of [
      "/../package.json",
      "/../../../../etc/passwd",
      "/%2e%2e/package.json",
      "/%2e%2e%2f%2e%2e%2fpackage.json",
      "/..%2fbuild.ts",
      "/..%5cbuild.ts",
      "/./index.html",
      "//index.html",
      "/assets/../index.html",
      "/index.html%00.js",
      "/.gitignore",
      "/src/main.ts",
      "/dashboard/dist/index.html",
      "/missing.js",
      "/%E0%A4%A",
      "/jobs",
    ]) {
      const response = await rawRequest(gateway.port, path);
      expect(response.status, path).toBe(404);
      expect(response.body, path).toBe("not found\n");
    }
    expect((await rawRequest(gateway.port, "/", "POST")).status).toBe(404);
    expect((await rawRequest(gateway.port, "/", "DELETE")).status).toBe(404);
  });

  it("RPCs on the same port are untouched by the file server", async () => {
    const response = await fetch(`${gateway.url}/grpc.health.v1.Health/Check`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "SERVING" });
  });
});

describe("createDashboardFiles on its own", () => {
  let dir: string;
  let outside: string;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "warden-dash-"));
    outside = await mkdtemp(join(tmpdir(), "warden-outside-"));
    await writeFile(join(dir, "index.html"), "<!doctype html><title>x</title>");
    await writeFile(join(outside, "secret.html"), "SECRET");
    await symlink(join(outside, "secret.html"), join(dir, "escape.html"));
    const serve = createDashboardFiles({ dir });
    server = createServer((req, res) => {
      if (!serve(req, res)) res.writeHead(405).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await rm(dir, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it("a symlink that leads out of the directory is 404, and non-GET requests are left to the server", async () => {
    expect((await rawRequest(port, "/index.html")).status).toBe(200);
    const escaped = await rawRequest(port, "/escape.html");
    expect(escaped.status).toBe(404);
    expect(escaped.body).not.toContain("SECRET");
    expect((await rawRequest(port, "/index.html", "PUT")).status).toBe(405);
  });

  it("a dashboard that was never built is 404, not a crash", async () => {
    const serve = createDashboardFiles({ dir: join(dir, "nope") });
    const missing = createServer((req, res) => void serve(req, res));
    await new Promise<void>((resolve) => missing.listen(0, "127.0.0.1", resolve));
    try {
      expect((await rawRequest((missing.address() as AddressInfo).port, "/")).status).toBe(404);
    } finally {
      await new Promise((resolve) => missing.close(resolve));
    }
  });
});

describe("the dashboard in a real browser (Debian's Chromium, headless)", () => {
  it("takes a key, lists jobs with live progress, pages the failed ledger, retries, and lists accounts needing a reconnect", async () => {
    await runDashboardBrowserChecks(gateway);
  }, 120_000);
});
