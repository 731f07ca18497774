import http2 from "node:http2";
import { gzipSync } from "node:zlib";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { AdminService } from "@warden/proto/admin/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRpcServer, type RpcServer } from "./create-rpc-server.js";
import { callUnary, createGrpcJsClient } from "./grpc-js-test-client.js";
import { createHealthReporter } from "./health-reporter.js";
import { envelope, rawGrpcCall, rawHttp1Call, type RawCall, type RawOutcome } from "./raw-rpc-call.js";
import { createFakeAdminService } from "./test-admin-service.js";
import { createCapturingLogger } from "./test-logger.js";

const CREATE_ORG = "/warden.admin.v1.AdminService/CreateOrg";
const bytes = (...values: number[]) => new Uint8Array(values);
const utf8 = (text: string) => new TextEncoder().encode(text);

let server: RpcServer;
let port: number;
let baseUrl: string;
let session: http2.ClientHttp2Session;
let grpcAdmin: grpc.Client;
const captured = createCapturingLogger();

beforeAll(async () => {
  server = createRpcServer({
    routes: (router) => router.service(AdminService, createFakeAdminService()),
    logger: captured.logger,
    health: createHealthReporter(),
  });
  port = await server.listen(0, "127.0.0.1");
  baseUrl = `http://127.0.0.1:${port}`;
  session = http2.connect(baseUrl);
  grpcAdmin = createGrpcJsClient("warden/admin/v1/admin.proto", "warden.admin.v1.AdminService", port);
});

afterAll(async () => {
  grpcAdmin?.close();
  session?.close();
  await server?.close(1000);
});

function send(call: RawCall): Promise<RawOutcome> {
  return call.protocol === "grpc" ? rawGrpcCall(session, call) : rawHttp1Call(baseUrl, call);
}

// The same malformed protobuf message, framed as each protocol frames a unary request.
const framings: Array<[string, (message: Uint8Array) => RawCall]> = [
  ["gRPC", (m) => ({ protocol: "grpc", path: CREATE_ORG, body: envelope(m) })],
  ["gRPC-Web", (m) => ({ protocol: "grpc-web", path: CREATE_ORG, body: envelope(m) })],
  ["Connect binary", (m) => ({ protocol: "connect-proto", path: CREATE_ORG, body: m })],
];

const malformedProtobuf: Array<[string, Uint8Array]> = [
  ["a varint cut short", bytes(0x08, 0xff, 0xff)],
  ["invalid UTF-8 in a string field", bytes(0x0a, 0x02, 0xc3, 0x28)],
  ["an illegal wire type", bytes(0x0f, 0x01)],
  ["field number 0", bytes(0x00, 0x01)],
  ["a length past the end", bytes(0x0a, 0x7f, 0x41)],
];

describe("createRpcServer: malformed requests are the caller's error on every protocol", () => {
  for (const [framing, frame] of framings) {
    it.each(malformedProtobuf)(
      `${framing}: %s is INVALID_ARGUMENT naming the message type`,
      async (_name, body) => {
        const outcome = await send(frame(body));
        expect(outcome.code).toBe(Code.InvalidArgument);
        expect(outcome.message).toContain("warden.admin.v1.CreateOrgRequest");
        expect(outcome.httpStatus).not.toBe(500);
      },
    );
  }

  it.each([
    ["JSON that does not parse", utf8('{"name":')],
    ["a wrong JSON type for a field", utf8('{"name":5}')],
    ["invalid UTF-8 in JSON", bytes(...utf8('{"name":"'), 0xc3, 0x28, ...utf8('"}'))],
  ])("Connect JSON: %s is INVALID_ARGUMENT", async (_name, body) => {
    const outcome = await send({ protocol: "connect-json", path: CREATE_ORG, body });
    expect(outcome).toMatchObject({ code: Code.InvalidArgument, httpStatus: 400 });
  });

  it("names the field when a JSON value has the wrong type", async () => {
    const outcome = await send({ protocol: "connect-json", path: CREATE_ORG, body: utf8('{"name":5}') });
    expect(outcome.message).toContain("CreateOrgRequest.name");
  });

  it.each(["grpc", "grpc-web"] as const)(
    "%s: truncated frames, a compressed flag without encoding, bad gzip and no message are INVALID_ARGUMENT",
    async (protocol) => {
      const cases: Array<Partial<RawCall>> = [
        { body: envelope(utf8("hello")).subarray(0, 7) },
        { body: bytes(0x00, 0x00) },
        { body: envelope(bytes(0x0a, 0x01, 0x41), 0x01) },
        { body: envelope(bytes(1, 2, 3, 4), 0x01), headers: { "grpc-encoding": "gzip" } },
        {
          body: envelope(gzipSync(bytes(0x0a, 0x01, 0x41)).subarray(0, 12), 0x01),
          headers: { "grpc-encoding": "gzip" },
        },
        { body: new Uint8Array(0) },
        { body: new Uint8Array([...envelope(bytes()), ...envelope(bytes())]) },
      ];
      for (const change of cases) {
        const outcome = await send({ protocol, path: CREATE_ORG, body: new Uint8Array(0), ...change });
        expect(outcome, JSON.stringify(change.body && [...change.body.subarray(0, 8)])).toMatchObject({
          code: Code.InvalidArgument,
        });
      }
    },
  );

  it("Connect binary: a body whose gzip is cut short is INVALID_ARGUMENT", async () => {
    const outcome = await send({
      protocol: "connect-proto",
      path: CREATE_ORG,
      body: gzipSync(bytes(0x0a, 0x01, 0x41)).subarray(0, 12),
      headers: { "content-encoding": "gzip" },
    });
    expect(outcome).toMatchObject({ code: Code.InvalidArgument, httpStatus: 400 });
  });

  it("never logs a framework decode failure as an internal error", () => {
    expect(captured.text()).not.toMatch(/"level":50/);
  });
});

describe("createRpcServer: oversized requests", () => {
  const big = "x".repeat(2_500_000);

  it("answers a 2.5 MB grpc-js request RESOURCE_EXHAUSTED, not with a reset", async () => {
    const error = (await callUnary(grpcAdmin, "createOrg", { name: big }).catch(
      (e: unknown) => e,
    )) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(error.details).not.toMatch(/RST_STREAM/);
  });

  it("keeps serving the same grpc-js channel after refusing an oversized request", async () => {
    await callUnary(grpcAdmin, "createOrg", { name: big }).catch(() => undefined);
    const response = await callUnary<{ org: { name: string } }>(grpcAdmin, "createOrg", { name: "after" });
    expect(response.org.name).toBe("after");
  });

  it.each([
    ["Connect binary", () => createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true })],
    ["Connect JSON", () => createConnectTransport({ baseUrl, httpVersion: "1.1" })],
    ["gRPC-Web", () => createGrpcWebTransport({ baseUrl, httpVersion: "1.1" })],
  ])("answers a 2.5 MB %s request RESOURCE_EXHAUSTED", async (_name, transport) => {
    const client = createClient(AdminService, transport());
    const error = ConnectError.from(await client.createOrg({ name: big }).catch((e: unknown) => e));
    expect(error.code).toBe(Code.ResourceExhausted);
  });
});

describe("createRpcServer: status messages", () => {
  it("reach a grpc-js client exactly as written, colons and all", async () => {
    const error = (await callUnary(grpcAdmin, "createOrg", { name: "colon" }).catch(
      (e: unknown) => e,
    )) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toBe("name must not look like this: a, b/c; d=e? f@g & h+i $j #k 100% é");
  });

  it("reach a connect-node gRPC client exactly as written", async () => {
    const { createGrpcTransport } = await import("@connectrpc/connect-node");
    const client = createClient(AdminService, createGrpcTransport({ baseUrl }));
    const error = ConnectError.from(await client.createOrg({ name: "colon" }).catch((e: unknown) => e));
    expect(error.rawMessage).toBe("name must not look like this: a, b/c; d=e? f@g & h+i $j #k 100% é");
  });
});
