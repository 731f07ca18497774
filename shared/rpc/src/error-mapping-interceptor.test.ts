import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { alreadyExists, notFound, unavailable } from "@warden/errors";
import { AdminService, OrgSchema } from "@warden/proto/admin/v1";
import {
  Health,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus,
} from "@warden/proto/health/v1";
import { describe, expect, it } from "vitest";
import { errorMappingInterceptor } from "./error-mapping-interceptor.js";
import { createCapturingLogger } from "./test-logger.js";

function transportFor(routes: Parameters<typeof createRouterTransport>[0]) {
  const { logger } = createCapturingLogger();
  return createRouterTransport(routes, { router: { interceptors: [errorMappingInterceptor(logger)] } });
}

describe("errorMappingInterceptor", () => {
  it("maps a domain error from a unary handler, keeping its details", async () => {
    const existing = create(OrgSchema, { id: "org_1", name: "acme" });
    const client = createClient(
      AdminService,
      transportFor((router) =>
        router.service(AdminService, {
          createOrg() {
            throw alreadyExists("org exists", [{ desc: OrgSchema, value: existing }]);
          },
        }),
      ),
    );
    const error = ConnectError.from(await client.createOrg({ name: "acme" }).catch((e: unknown) => e));
    expect(error.code).toBe(Code.AlreadyExists);
    expect(error.findDetails(OrgSchema)[0]?.id).toBe("org_1");
  });

  it("maps an error thrown mid-stream after messages were sent", async () => {
    const client = createClient(
      Health,
      transportFor((router) =>
        router.service(Health, {
          async *watch() {
            yield create(HealthCheckResponseSchema, { status: HealthCheckResponse_ServingStatus.SERVING });
            throw unavailable("redis down");
          },
        }),
      ),
    );
    const seen: HealthCheckResponse_ServingStatus[] = [];
    const error = await (async () => {
      for await (const message of client.watch({ service: "" })) seen.push(message.status);
    })().catch((e: unknown) => ConnectError.from(e));
    expect(seen).toEqual([HealthCheckResponse_ServingStatus.SERVING]);
    expect(error?.code).toBe(Code.Unavailable);
    expect(error?.rawMessage).toBe("redis down");
  });

  it("maps an error thrown before a stream yields anything", async () => {
    const client = createClient(
      Health,
      transportFor((router) =>
        router.service(Health, {
          // eslint-disable-next-line require-yield
          async *watch(request) {
            throw notFound("service", request.service);
          },
        }),
      ),
    );
    const error = await (async () => {
      for await (const _ of client.watch({ service: "x" }));
    })().catch((e: unknown) => ConnectError.from(e));
    expect(error?.code).toBe(Code.NotFound);
  });
});
