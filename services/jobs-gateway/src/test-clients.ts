// Test support (not a test): the two kinds of client Warden promises to
// serve — @grpc/grpc-js loading our .proto files over h2c, and Connect over
// HTTP/1.1 — each with the caller's bearer key.
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { PROTO_ROOT } from "@warden/proto";

/** A Connect (HTTP/1.1, JSON) client for one service, sending `key` as the bearer. */
export function connectClient<S extends DescService>(service: S, baseUrl: string, key?: string): Client<S> {
  const auth: Interceptor = (next) => (req) => {
    if (key) req.header.set("authorization", `Bearer ${key}`);
    return next(req);
  };
  return createClient(
    service,
    createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors: [auth], useBinaryFormat: false }),
  );
}

const packageDefinition = protoLoader.loadSync(
  [
    "warden/admin/v1/admin.proto",
    "warden/accounts/v1/accounts.proto",
    "warden/jobs/v1/jobs.proto",
    "warden/leases/v1/leases.proto",
    "warden/tokens/v1/tokens.proto",
    "warden/sweeper/v1/sweeper.proto",
    "grpc/health/v1/health.proto",
  ],
  { includeDirs: [PROTO_ROOT], keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true },
);
const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as Record<string, any>;

/** A grpc-js client constructor by fully-qualified service name, e.g. "warden.admin.v1.AdminService". */
export function grpcServiceConstructor(fullName: string): grpc.ServiceClientConstructor {
  return fullName
    .split(".")
    .reduce((node, part) => node[part], loaded) as unknown as grpc.ServiceClientConstructor;
}

export type GrpcCall = (method: string, request: object) => Promise<any>;

/** A promise-returning caller for a grpc-js client of one service, sending `key` as the bearer. */
export function grpcCaller(
  fullName: string,
  port: number,
  key?: string,
): { call: GrpcCall; client: grpc.Client; metadata: () => grpc.Metadata } {
  const Ctor = grpcServiceConstructor(fullName);
  const client = new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const metadata = () => {
    const m = new grpc.Metadata();
    if (key) m.set("authorization", `Bearer ${key}`);
    return m;
  };
  const call: GrpcCall = (method, request) =>
    new Promise((resolve, reject) => {
      (client as any)[method](
        request,
        metadata(),
        { deadline: Date.now() + 30_000 },
        (error: grpc.ServiceError | null, response: any) => (error ? reject(error) : resolve(response)),
      );
    });
  return { call, client, metadata };
}
