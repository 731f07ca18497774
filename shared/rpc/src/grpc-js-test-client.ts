import { fromBinary } from "@bufbuild/protobuf";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { AnySchema, type Any } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { PROTO_ROOT } from "@warden/proto";

/** Test-only: a generic @grpc/grpc-js client for one service of a .proto under PROTO_ROOT, over h2c. */
export function createGrpcJsClient(protoFile: string, serviceName: string, port: number): grpc.Client {
  const definition = protoLoader.loadSync(protoFile, {
    includeDirs: [PROTO_ROOT],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
  });
  const loaded = grpc.loadPackageDefinition(definition);
  const Service = serviceName
    .split(".")
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], loaded);
  const Constructor = Service as typeof grpc.Client;
  return new Constructor(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

/** Test-only: calls a unary method of a grpc-js client as a promise. */
export function callUnary<T>(client: grpc.Client, method: string, request: object): Promise<T> {
  const fn = (client as unknown as Record<string, grpc.requestCallback<T> & ((...args: unknown[]) => void)>)[
    method
  ]!;
  return new Promise((resolve, reject) => {
    fn.call(client, request, (error: grpc.ServiceError | null, response: T) =>
      error ? reject(error) : resolve(response),
    );
  });
}

/** Test-only: the Any details of a grpc-status-details-bin trailer (google.rpc.Status field 3). */
export function statusDetails(error: grpc.ServiceError): Any[] {
  const raw = error.metadata.get("grpc-status-details-bin")[0];
  if (!(raw instanceof Buffer)) return [];
  const reader = new BinaryReader(raw);
  const details: Any[] = [];
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 3) details.push(fromBinary(AnySchema, reader.bytes()));
    else reader.skip(wireType);
  }
  return details;
}
