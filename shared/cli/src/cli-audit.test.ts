import { AdminService } from "@warden/proto/admin/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant, type TestTenant } from "../../../services/jobs-gateway/src/jobs-test-fixtures.js";
import { connectClient } from "../../../services/jobs-gateway/src/test-clients.js";
import { startTestGateway, type TestGateway } from "../../../services/jobs-gateway/src/test-gateway.js";
import { runWarden } from "./test-cli.js";

let gateway: TestGateway;
let tenant: TestTenant;
let auditKey: string;

beforeAll(async () => {
  gateway = await startTestGateway({ label: "cliaudit" });
  tenant = await createTenant(gateway, "T", 1);
  auditKey = (
    await connectClient(AdminService, gateway.url, gateway.adminKey).createApiKey({
      orgId: tenant.orgId,
      scopes: ["audit:read"],
    })
  ).apiKey;
});

afterAll(async () => {
  await gateway?.close();
});

const asOperator = (args: string[]) =>
  runWarden(args, { WARDEN_GATEWAY_URL: gateway.url, WARDEN_ADMIN_KEY: gateway.adminKey });

describe("warden audit list", () => {
  it("prints the org's events for an audit:read key, filtered by action and time", async () => {
    const result = await runWarden(
      [
        "audit",
        "list",
        "--action",
        "warden.accounts.v1.AccountsService/CreateConnectedAccount",
        "--since",
        "1h",
      ],
      { WARDEN_GATEWAY_URL: gateway.url, WARDEN_API_KEY: auditKey },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^TIME\s+ACTOR\s+ORG\s+ACTION\s+OUTCOME/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain("accounts.v1.AccountsService/CreateConnectedAccount");
    expect(lines[1]).toContain(tenant.accountIds[0]);
    expect(lines[1]).toContain(tenant.orgId);
  });

  it("--json prints protobuf JSON, and --until before everything finds nothing", async () => {
    const json = await asOperator(["audit", "list", "--json", "--outcome", "ok", "--page-size", "2"]);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { events: { outcome: string }[]; nextCursor?: string };
    expect(parsed.events).toHaveLength(2);
    expect(parsed.events.every((e) => e.outcome === "ok")).toBe(true);
    const none = await asOperator(["audit", "list", "--until", "2001-01-01T00:00:00Z"]);
    expect(none.stdout).toContain("(none)");
  });

  it("a bad time is a usage error naming the option", async () => {
    const result = await asOperator(["audit", "list", "--since", "yesterday"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--since");
  });
});

describe("warden admin list-api-keys", () => {
  it("lists keys with expiry and never prints a secret", async () => {
    const created = await asOperator([
      "admin",
      "create-api-key",
      "--org",
      tenant.orgId,
      "--scopes",
      "jobs:read",
      "--expires",
      "+3600",
    ]);
    expect(created.code).toBe(0);
    const result = await asOperator(["admin", "list-api-keys", "--org", tenant.orgId]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^KEY ID\s+ORG\s+PROJECT\s+SCOPES\s+CREATED\s+EXPIRES/);
    expect(result.stdout.trim().split("\n")).toHaveLength(1 + 5);
    for (const secret of [tenant.orgKey, tenant.projectKey, tenant.readOnlyKey, auditKey])
      expect(result.stdout).not.toContain(secret);
    expect(result.stdout).toMatch(/jobs:read\s+\S+ \S+Z\s+\S+ \S+Z/);
  });
});
