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

async function start(): Promise<{ port: number; baseUrl: string }> {
  server = createRpcServer({
    routes: (router) => router.service(AdminService, createFakeAdminService()),
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
    await new Promise((resolve) => setTimeout(resolve, 50));

    const started = Date.now();
    await server!.close(5000);
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await overGrpc).org.name).toBe("slow");
    expect((await overConnect).org?.name).toBe("slow");
    expect(await refusesConnections(port)).toBe(true);
  });

  it("cancels calls still running when the grace period ends, with UNAVAILABLE", async () => {
    const { baseUrl } = await start();
    const client = createClient(AdminService, createGrpcWebTransport({ baseUrl, httpVersion: "1.1" }));
    const hanging = client.createOrg({ name: "hang" }).catch((e: unknown) => ConnectError.from(e));
    await new Promise((resolve) => setTimeout(resolve, 50));

    const started = Date.now();
    await server!.close(100);
    expect(Date.now() - started).toBeLessThan(1500);
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
    const ended = new Promise<void>((resolve, reject) => {
      call.on("data", (message: { status: string }) => seen.push(message.status));
      call.on("end", resolve);
      call.on("error", reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));

    const started = Date.now();
    await server!.close(5000);
    await ended;
    expect(Date.now() - started).toBeLessThan(2000);
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
