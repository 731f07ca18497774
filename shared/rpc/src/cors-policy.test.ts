import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createCorsPolicy } from "./cors-policy.js";

let server: http.Server | undefined;

afterEach(() => {
  server?.close();
  server = undefined;
});

async function serve(origins?: string[]): Promise<string> {
  const policy = createCorsPolicy(origins);
  server = http.createServer((req, res) => {
    if (!policy(req, res)) res.writeHead(200).end("rpc");
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

const preflight = (origin: string) => ({
  method: "OPTIONS",
  headers: {
    Origin: origin,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
  },
});

describe("createCorsPolicy", () => {
  it("answers a preflight from a listed origin, allowing Authorization", async () => {
    const url = await serve(["https://ui.example"]);
    const res = await fetch(
      `${url}/warden.jobs.v1.JobsService/GetRevokeJob`,
      preflight("https://ui.example"),
    );
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://ui.example");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-headers")).toContain("Authorization");
    expect(res.headers.get("access-control-allow-headers")).toContain("X-Grpc-Web");
  });

  it("refuses every foreign origin when no list is given", async () => {
    const url = await serve();
    const res = await fetch(url, preflight("https://ui.example"));
    expect(res.status).toBe(403);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("treats the server's own origin (its dashboard) as allowed without a list", async () => {
    const url = await serve();
    const res = await fetch(url, { method: "POST", headers: { Origin: url } });
    expect(await res.text()).toBe("rpc");
    expect(res.headers.get("access-control-allow-origin")).toBe(url);
  });

  it("refuses a call (not only a preflight) carrying an origin not on the list", async () => {
    const url = await serve(["https://ui.example"]);
    const res = await fetch(url, { method: "POST", headers: { Origin: "https://evil.example" } });
    expect(res.status).toBe(403);
    expect(await res.text()).toBe("");
  });

  it("refuses a preflight from an origin not on the list", async () => {
    const url = await serve(["https://ui.example"]);
    const res = await fetch(url, preflight("https://evil.example"));
    expect(res.status).toBe(403);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("exposes the gRPC status headers on actual responses to allowed origins", async () => {
    const url = await serve(["https://ui.example"]);
    const res = await fetch(url, { method: "POST", headers: { Origin: "https://ui.example" } });
    expect(await res.text()).toBe("rpc");
    expect(res.headers.get("access-control-allow-origin")).toBe("https://ui.example");
    const exposed = res.headers.get("access-control-expose-headers") ?? "";
    for (const header of ["Grpc-Status", "Grpc-Message", "Grpc-Status-Details-Bin"])
      expect(exposed).toContain(header);
  });

  it("leaves requests without an Origin untouched", async () => {
    const url = await serve(["https://ui.example"]);
    const res = await fetch(url, { method: "POST" });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});
