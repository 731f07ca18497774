// Test support (not a test): every RPC the generated descriptors define, and
// which of them a running port serves. Nothing here names a service: a new
// .proto under shared/proto/src/gen, or a new method in one, is picked up as is.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { DescMethod, DescService } from "@bufbuild/protobuf";

const GENERATED = fileURLToPath(new URL("../../../shared/proto/src/gen", import.meta.url));

/** Every service of every generated *_pb.ts, by its descriptor. */
export async function generatedServices(): Promise<DescService[]> {
  const files = readdirSync(GENERATED, { recursive: true, encoding: "utf8" }).filter((f) =>
    f.endsWith("_pb.ts"),
  );
  const services = new Map<string, DescService>();
  for (const file of files) {
    const module = (await import(pathToFileURL(join(GENERATED, file)).href)) as Record<string, unknown>;
    for (const value of Object.values(module)) {
      if (isService(value)) services.set(value.typeName, value);
    }
  }
  return [...services.values()].sort((a, b) => a.typeName.localeCompare(b.typeName));
}

/** The services of `services` that the server at baseUrl routes (anything but 404 for their first method). */
export async function servedServices(baseUrl: string, services: DescService[]): Promise<DescService[]> {
  const served: DescService[] = [];
  for (const service of services) {
    const method = service.methods[0];
    if (!method) continue;
    const res = await fetch(`${baseUrl}/${service.typeName}/${method.name}`, {
      method: "POST",
      headers: { "content-type": "application/json", "connect-protocol-version": "1" },
      body: "{}",
    });
    await res.arrayBuffer();
    if (res.status !== 404) served.push(service);
  }
  return served;
}

/** "package.Service/Method" */
export function methodLabel(method: DescMethod): string {
  return `${method.parent.typeName}/${method.name}`;
}

function isService(value: unknown): value is DescService {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "service";
}
