import net from "node:net";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import type * as grpc from "@grpc/grpc-js";
import { AdminService } from "@warden/proto/admin/v1";
import { afterEach, describe, expect, it } from "vitest";
import { createRpcServer, type RpcServer } from "./create-rpc-server.js";
import { callUnary, createGrpcJsClient } from "./grpc-js-test-client.js";
import { createHealthReporter } from "./health-reporter.js";
import { shutdownSignalKey } from "./shutdown-signal.js";
import { createFakeAdminService } from "./test-admin-service.js";
import { createCapturingLogger } from "./test-logger.js";

const clients: grpc.Client[] = [];
let server: RpcServer | undefined;

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.close(0);
  server = undefined;
});

// Calls whose handler has started; a test waits for these rather than sleeping.
let arrivals: string[] = [];
let arrived: () => void = () => {};
function callsInFlight(count: number): Promise<void> {
  return new Promise((resolve) => {
    arrived = () => {
      if (arrivals.length >= count) resolve();
    };
    arrived();
  });
}

async function start(): Promise<{ port: number; baseUrl: string }> {
  arrivals = [];
  server = createRpcServer({
    routes: (router) =>
      router.service(
        AdminService,
        createFakeAdminService({
          onCall: (name) => {
            arrivals.push(name);
            arrived();
          },
        }),
      ),
    logger: createCapturingLogger().logger,
    health: createHealthReporter(),
  });
  const port = await server.listen(0, "127.0.0.1");
  return { port, baseUrl: `http://127.0.0.1:${port}` };
}

function grpcJs(protoFile: string, service: string, port: number): grpc.Client {
  const client = createGrpcJsClient(protoFile, service, port);
  clients.push(client);
  return client;
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

describe("createRpcServer close()", () => {
  it("lets in-flight gRPC and Connect calls finish, then stops accepting", async () => {
    const { port, baseUrl } = await start();
    const admin = grpcJs("warden/admin/v1/admin.proto", "warden.admin.v1.AdminService", port);
    const overGrpc = callUnary<{ org: { name: string } }>(admin, "createOrg", { name: "slow" });
    const connect = createClient(AdminService, createConnectTransport({ baseUrl, httpVersion: "1.1" }));
    const overConnect = connect.createOrg({ name: "slow" });
    await callsInFlight(2);

    // Closing must wait for the two calls (300 ms each) but not for the whole grace period.
    const graceMs = 60_000;
    const started = Date.now();
    await server!.close(graceMs);
    expect(Date.now() - started).toBeLessThan(graceMs / 2);
    expect((await overGrpc).org.name).toBe("slow");
    expect((await overConnect).org?.name).toBe("slow");
    expect(await refusesConnections(port)).toBe(true);
  });

  it("cancels calls still running when the grace period ends, with UNAVAILABLE", async () => {
    const { baseUrl } = await start();
    const client = createClient(AdminService, createGrpcWebTransport({ baseUrl, httpVersion: "1.1" }));
    const hanging = client.createOrg({ name: "hang" }).catch((e: unknown) => ConnectError.from(e));
    await callsInFlight(1);

    // The call never ends by itself: close() must give up on it after the grace period
    // (bounded generously: the point is that it ends, not how fast a loaded machine is).
    const started = Date.now();
    await server!.close(100);
    expect(Date.now() - started).toBeLessThan(30_000);
    const error = await hanging;
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Unavailable);
  });

  it("ends server streams (health Watch) promptly, after telling watchers NOT_SERVING", async () => {
    const { port } = await start();
    const healthClient = grpcJs("grpc/health/v1/health.proto", "grpc.health.v1.Health", port);
    const call = (
      healthClient as unknown as { watch(req: object): grpc.ClientReadableStream<{ status: string }> }
    ).watch({ service: "" });
    const seen: string[] = [];
    let firstStatus: () => void = () => {};
    const watching = new Promise<void>((resolve) => (firstStatus = resolve));
    const ended = new Promise<void>((resolve, reject) => {
      call.on("data", (message: { status: string }) => {
        seen.push(message.status);
        firstStatus();
      });
      call.on("end", resolve);
      call.on("error", reject);
    });
    await watching;

    // A stream never ends by itself: close() must end it rather than wait out the grace period.
    const graceMs = 60_000;
    const started = Date.now();
    await server!.close(graceMs);
    await ended;
    expect(Date.now() - started).toBeLessThan(graceMs / 2);
    expect(seen).toEqual(["SERVING", "NOT_SERVING"]);
  });

  it("hands handlers the server's shutdown signal as a context value, aborted when close begins", async () => {
    let seen: AbortSignal | undefined;
    server = createRpcServer({
      routes: (router) =>
        router.service(AdminService, {
          ...createFakeAdminService(),
          createOrg(_request, context) {
            seen = context.values.get(shutdownSignalKey);
            return { org: { id: "org_1" } };
          },
        }),
      logger: createCapturingLogger().logger,
      health: createHealthReporter(),
    });
    const port = await server.listen(0, "127.0.0.1");
    const baseUrl = `http://127.0.0.1:${port}`;
    await createClient(AdminService, createConnectTransport({ baseUrl, httpVersion: "1.1" })).createOrg({
      name: "x",
    });
    expect(seen).toBe(server.shutdownSignal);
    expect(seen?.aborted).toBe(false);
    await server.close(1000);
    expect(seen?.aborted).toBe(true);
  });
});
