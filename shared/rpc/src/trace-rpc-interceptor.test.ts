import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { trace } from "@opentelemetry/api";
import { AdminService } from "@warden/proto/admin/v1";
import { withSpan } from "@warden/telemetry";
import { startTestTelemetry, type TestTelemetry } from "@warden/telemetry/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { traceContextClientInterceptor, traceRpcInterceptor } from "./trace-rpc-interceptor.js";

let telemetry: TestTelemetry;

beforeAll(() => {
  telemetry = startTestTelemetry("rpc");
});

afterAll(async () => {
  await telemetry.shutdown();
});

describe("traceRpcInterceptor", () => {
  it("continues the caller's W3C trace in a server span active during the handler, errors by code only", async () => {
    let handlerTrace: string | undefined;
    const transport = createRouterTransport(
      (router) =>
        router.service(AdminService, {
          createOrg: (request) => {
            handlerTrace = trace.getActiveSpan()?.spanContext().traceId;
            return { org: { id: "org_1", name: request.name } };
          },
          createProject() {
            throw new ConnectError("project secret-name exists", Code.AlreadyExists);
          },
        }),
      {
        router: { interceptors: [traceRpcInterceptor()] },
        transport: { interceptors: [traceContextClientInterceptor()] },
      },
    );
    const client = createClient(AdminService, transport);
    const callerTrace = await withSpan("caller", {}, async (span) => {
      await client.createOrg({ name: "o" });
      await client.createProject({ orgId: "org_1", name: "p" }).catch(() => undefined);
      return span.spanContext().traceId;
    });

    const spans = telemetry.spans();
    const server = spans.filter((span) => span.name.startsWith("warden.admin.v1.AdminService/"));
    expect(server.map((span) => span.name)).toEqual([
      "warden.admin.v1.AdminService/CreateOrg",
      "warden.admin.v1.AdminService/CreateProject",
    ]);
    expect(server.every((span) => span.spanContext().traceId === callerTrace)).toBe(true);
    expect(handlerTrace).toBe(callerTrace);
    expect(server[1]!.status.code).toBe(2);
    expect(server[1]!.attributes["rpc.connect_rpc.error_code"]).toBe("already_exists");
    expect(JSON.stringify(server.map((span) => span.attributes))).not.toContain("secret-name");
  });
});
