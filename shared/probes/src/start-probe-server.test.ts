import { Counter, Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { startProbeServer, type ProbeServer } from "./start-probe-server.js";

let probes: ProbeServer | undefined;

afterEach(async () => {
  await probes?.close();
  probes = undefined;
});

async function start(checks: Record<string, () => Promise<void>>, registry = new Registry()) {
  const warnings: object[] = [];
  probes = await startProbeServer({
    port: 0,
    host: "127.0.0.1",
    registry,
    checks,
    checkTimeoutMs: 100,
    logger: { warn: (obj) => warnings.push(obj) },
  });
  const url = (path: string) => `http://127.0.0.1:${probes!.port}${path}`;
  return { url, warnings };
}

describe("startProbeServer", () => {
  it("answers /healthz and /readyz 200 when every dependency answers", async () => {
    const { url } = await start({ postgres: async () => {}, nats: async () => {} });
    expect((await fetch(url("/healthz"))).status).toBe(200);
    const ready = await fetch(url("/readyz"));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", checks: { postgres: "ok", nats: "ok" } });
  });

  it("answers /readyz 503 within the timeout naming a hung or failed dependency, without secrets", async () => {
    const { url, warnings } = await start({
      postgres: () => new Promise(() => {}),
      redis: () => Promise.reject(new Error("redis://:hunter2@cache:6379 refused")),
      nats: async () => {},
    });
    const started = Date.now();
    const res = await fetch(url("/readyz"));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      status: "not_ready",
      checks: { postgres: "timeout", redis: "error", nats: "ok" },
    });
    expect(text).not.toContain("hunter2");
    expect(warnings).toHaveLength(2);
  });

  it("turns /readyz 503 at once on setShuttingDown while /healthz stays 200", async () => {
    const { url } = await start({ postgres: async () => {} });
    probes!.setShuttingDown();
    const ready = await fetch(url("/readyz"));
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: "shutting_down" });
    expect((await fetch(url("/healthz"))).status).toBe(200);
  });

  it("serves the registry's metrics in Prometheus text format", async () => {
    const registry = new Registry();
    new Counter({ name: "warden_test_total", help: "test counter", registers: [registry] }).inc(3);
    const { url } = await start({}, registry);
    const res = await fetch(url("/metrics"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(await res.text()).toContain("warden_test_total 3");
  });

  it("404s unknown paths", async () => {
    const { url } = await start({});
    expect((await fetch(url("/nope"))).status).toBe(404);
  });
});
