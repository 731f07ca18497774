import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { AdminService } from "@warden/proto/admin/v1";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { observeRpcInterceptor, RPC_DURATION_METRIC } from "./observe-rpc-interceptor.js";
import { createCapturingLogger } from "./test-logger.js";

describe("observeRpcInterceptor", () => {
  it("records duration by service, method and code, and logs without messages or headers", async () => {
    const { logger, lines, text } = createCapturingLogger();
    const registry = new Registry();
    const transport = createRouterTransport(
      (router) =>
        router.service(AdminService, {
          createOrg: (request) => ({ org: { id: "org_1", name: request.name } }),
          createProject() {
            throw new ConnectError("no such org", Code.NotFound);
          },
        }),
      { router: { interceptors: [observeRpcInterceptor({ logger, registry })] } },
    );
    const client = createClient(AdminService, transport);
    await client.createOrg({ name: "secret-org-name" }, { headers: { Authorization: "Bearer KEY-SECRET" } });
    await client.createProject({ orgId: "org_x", name: "p" }).catch(() => undefined);

    const metrics = await registry.getSingleMetricAsString(RPC_DURATION_METRIC);
    expect(metrics).toContain('service="warden.admin.v1.AdminService",method="CreateOrg",code="ok"');
    expect(metrics).toContain('method="CreateProject",code="not_found"');
    expect(lines().map((line) => line.code)).toEqual(["ok", "not_found"]);
    expect(text()).not.toContain("secret-org-name");
    expect(text()).not.toContain("KEY-SECRET");
  });

  it("shares one histogram when two servers use the same registry", () => {
    const { logger } = createCapturingLogger();
    const registry = new Registry();
    observeRpcInterceptor({ logger, registry });
    expect(() => observeRpcInterceptor({ logger, registry })).not.toThrow();
  });
});
