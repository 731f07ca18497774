import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import {
  createConnectTransport as createFetchConnectTransport,
  createGrpcWebTransport as createFetchGrpcWebTransport,
} from "@connectrpc/connect-web";
import * as grpc from "@grpc/grpc-js";
import { AdminService, OrgSchema } from "@warden/proto/admin/v1";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRpcServer, type RpcServer } from "./create-rpc-server.js";
import { callUnary, createGrpcJsClient, statusDetails } from "./grpc-js-test-client.js";
import { createHealthReporter, type HealthReporter } from "./health-reporter.js";
import { RPC_DURATION_METRIC } from "./observe-rpc-interceptor.js";
import { createFakeAdminService } from "./test-admin-service.js";
import { createCapturingLogger } from "./test-logger.js";

const ADMIN_PROTO = "warden/admin/v1/admin.proto";
const HEALTH_PROTO = "grpc/health/v1/health.proto";

let server: RpcServer;
let port: number;
let baseUrl: string;
let health: HealthReporter;
let registry: Registry;
let grpcAdmin: grpc.Client;
let grpcHealth: grpc.Client;

beforeAll(async () => {
  health = createHealthReporter();
  registry = new Registry();
  server = createRpcServer({
    routes: (router) => router.service(AdminService, createFakeAdminService()),
    logger: createCapturingLogger().logger,
    health,
    registry,
    corsOrigins: ["https://dashboard.example"],
    serveStatic(req, res) {
      if (req.url !== "/index.html") return false;
      res.writeHead(200, { "Content-Type": "text/html" }).end("<h1>warden</h1>");
      return true;
    },
  });
  port = await server.listen(0, "127.0.0.1");
  baseUrl = `http://127.0.0.1:${port}`;
  grpcAdmin = createGrpcJsClient(ADMIN_PROTO, "warden.admin.v1.AdminService", port);
  grpcHealth = createGrpcJsClient(HEALTH_PROTO, "grpc.health.v1.Health", port);
});

afterAll(async () => {
  grpcAdmin?.close();
  grpcHealth?.close();
  await server?.close(1000);
});

const transports: [string, () => Transport][] = [
  [
    "Connect binary over HTTP/1.1",
    () => createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true }),
  ],
  ["Connect JSON over HTTP/1.1", () => createConnectTransport({ baseUrl, httpVersion: "1.1" })],
  ["gRPC-Web over HTTP/1.1", () => createGrpcWebTransport({ baseUrl, httpVersion: "1.1" })],
  ["gRPC over h2c (connect-node)", () => createGrpcTransport({ baseUrl })],
  // The dashboard's own client stack (fetch-based), as a browser would use it.
  ["connect-web Connect JSON (fetch)", () => createFetchConnectTransport({ baseUrl })],
  ["connect-web gRPC-Web (fetch)", () => createFetchGrpcWebTransport({ baseUrl })],
];

describe("createRpcServer: one port, every protocol", () => {
  it("answers a @grpc/grpc-js client over h2c with prior knowledge", async () => {
    const response = await callUnary<{ org: { id: string; name: string } }>(grpcAdmin, "createOrg", {
      name: "acme",
    });
    expect(response.org).toMatchObject({ id: "org_new", name: "acme" });
  });

  it.each(transports)("answers %s on the same port", async (_name, transport) => {
    const client = createClient(AdminService, transport());
    const response = await client.createOrg({ name: "acme" });
    expect(response.org?.name).toBe("acme");
  });

  it("answers curl-style Connect JSON without a client library", async () => {
    const res = await fetch(`${baseUrl}/warden.admin.v1.AdminService/CreateOrg`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Connect-Protocol-Version": "1" },
      body: JSON.stringify({ name: "curl" }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ org: { id: "org_new", name: "curl" } });
  });

  it("answers a browser's CORS preflight allowing Authorization and exposing gRPC status headers", async () => {
    const res = await fetch(`${baseUrl}/warden.admin.v1.AdminService/CreateOrg`, {
      method: "OPTIONS",
      headers: {
        Origin: "https://dashboard.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,connect-protocol-version",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://dashboard.example");
    expect(res.headers.get("access-control-allow-headers")).toMatch(/Authorization/);
    expect(res.headers.get("access-control-allow-headers")).toMatch(/Connect-Protocol-Version/);

    const call = await fetch(`${baseUrl}/warden.admin.v1.AdminService/CreateOrg`, {
      method: "POST",
      headers: { Origin: "https://dashboard.example", "Content-Type": "application/json" },
      body: JSON.stringify({ name: "browser" }),
    });
    expect(call.headers.get("access-control-expose-headers")).toMatch(/Grpc-Status-Details-Bin/);
  });

  it("hands non-RPC paths to serveStatic and 404s what it declines", async () => {
    const page = await fetch(`${baseUrl}/index.html`);
    expect(await page.text()).toBe("<h1>warden</h1>");
    expect((await fetch(`${baseUrl}/nope`)).status).toBe(404);
  });

  it("records warden_rpc_duration_seconds for the calls served", async () => {
    const metrics = await registry.getSingleMetricAsString(RPC_DURATION_METRIC);
    expect(metrics).toContain('service="warden.admin.v1.AdminService",method="CreateOrg",code="ok"');
  });
});

describe("createRpcServer: grpc.health.v1", () => {
  it("reports SERVING, then NOT_SERVING after setStatus, to a grpc-js client", async () => {
    const check = () => callUnary<{ status: string }>(grpcHealth, "check", { service: "" });
    expect((await check()).status).toBe("SERVING");
    health.setStatus("", false);
    expect((await check()).status).toBe("NOT_SERVING");
    health.setStatus("", true);
    expect((await check()).status).toBe("SERVING");
  });

  it("answers for every service the router serves, following the server's status", async () => {
    const check = (service: string) => callUnary<{ status: string }>(grpcHealth, "check", { service });
    expect((await check("warden.admin.v1.AdminService")).status).toBe("SERVING");
    expect((await check("grpc.health.v1.Health")).status).toBe("SERVING");
    health.setStatus("", false);
    expect((await check("warden.admin.v1.AdminService")).status).toBe("NOT_SERVING");
    health.setStatus("", true);
    expect((await check("warden.admin.v1.AdminService")).status).toBe("SERVING");
  });

  it("answers NOT_FOUND for a service that never reported", async () => {
    const error = (await callUnary(grpcHealth, "check", { service: "nope" }).catch(
      (e: unknown) => e,
    )) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.NOT_FOUND);
  });

  it("streams status changes to a watcher", async () => {
    health.setStatus("db", true);
    const call = (
      grpcHealth as unknown as { watch(req: object): grpc.ClientReadableStream<{ status: string }> }
    ).watch({
      service: "db",
    });
    // Cancelling below ends the call with CANCELLED, which is expected here.
    call.on("error", () => undefined);
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      call.on("data", (message: { status: string }) => {
        seen.push(message.status);
        if (seen.length === 1) health.setStatus("db", false);
        if (seen.length === 2) resolve();
      });
    });
    await done;
    call.cancel();
    expect(seen).toEqual(["SERVING", "NOT_SERVING"]);
  });
});

describe("createRpcServer: errors", () => {
  it("gives a grpc-js client ALREADY_EXISTS with the existing object in grpc-status-details-bin", async () => {
    const error = (await callUnary(grpcAdmin, "createOrg", { name: "dup" }).catch(
      (e: unknown) => e,
    )) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.ALREADY_EXISTS);
    const [detail] = statusDetails(error);
    expect(detail?.typeUrl).toBe("type.googleapis.com/warden.admin.v1.Org");
    expect(anyUnpack(detail!, OrgSchema)?.id).toBe("org_existing");
  });

  it.each(transports)("gives %s ALREADY_EXISTS with findDetails()", async (_name, transport) => {
    const client = createClient(AdminService, transport());
    const error = ConnectError.from(await client.createOrg({ name: "dup" }).catch((e: unknown) => e));
    expect(error.code).toBe(Code.AlreadyExists);
    expect(error.findDetails(OrgSchema)[0]?.id).toBe("org_existing");
  });

  it("turns an unknown error into INTERNAL without the secret in its message", async () => {
    const grpcError = (await callUnary(grpcAdmin, "createOrg", { name: "boom" }).catch(
      (e: unknown) => e,
    )) as grpc.ServiceError;
    expect(grpcError.code).toBe(grpc.status.INTERNAL);
    expect(grpcError.details).toBe("internal error");
    expect(JSON.stringify(grpcError.metadata.getMap())).not.toContain("sk_live_SECRET123");

    const client = createClient(AdminService, createConnectTransport({ baseUrl, httpVersion: "1.1" }));
    const connectError = ConnectError.from(await client.createOrg({ name: "boom" }).catch((e: unknown) => e));
    expect(connectError.code).toBe(Code.Internal);
    expect(connectError.message).not.toContain("sk_live_SECRET123");
  });
});
