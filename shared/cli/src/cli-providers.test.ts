import { AdminService } from "@warden/proto/admin/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient } from "../../../services/jobs-gateway/src/test-clients.js";
import { startTestGateway, type TestGateway } from "../../../services/jobs-gateway/src/test-gateway.js";
import { runWarden } from "./test-cli.js";

const CLIENT_SECRET = "cli-github-SECRET-42ab";

let gateway: TestGateway;
let env: Record<string, string>;

beforeAll(async () => {
  gateway = await startTestGateway({ label: "cliprov" });
  const admin = connectClient(AdminService, gateway.url, gateway.adminKey);
  const orgId = (await admin.createOrg({ name: "A" })).org!.id;
  const projectId = (await admin.createProject({ orgId, name: "p" })).project!.id;
  const { apiKey } = await admin.createApiKey({
    orgId,
    projectId,
    scopes: ["accounts:read", "accounts:write"],
  });
  env = { WARDEN_GATEWAY_URL: gateway.url, WARDEN_API_KEY: apiKey };
});

afterAll(async () => {
  await gateway?.close();
});

describe("warden providers and auth-configs create --provider", () => {
  it("providers list shows the whole catalog; providers get shows where each fact comes from", async () => {
    const list = await runWarden(["providers", "list"], env);
    expect(list.code, list.stderr).toBe(0);
    for (const id of ["github", "slack", "google", "microsoft", "hubspot", "dropbox"])
      expect(list.stdout).toMatch(new RegExp(`^${id}\\s`, "m"));
    const json = await runWarden(["providers", "list", "--json"], env);
    expect(JSON.parse(json.stdout).providers.length).toBeGreaterThanOrEqual(15);

    const github = await runWarden(["providers", "get", "github"], env);
    expect(github.code, github.stderr).toBe(0);
    expect(github.stdout).toMatch(/revoke method\s+github/);
    expect(github.stdout).toMatch(/source revoke\s+https:\/\/docs\.github\.com\//);

    const unknown = await runWarden(["providers", "get", "myspace"], env);
    expect(unknown.code).toBe(2);
  });

  it("auth-configs create --provider github needs only the client id and secret, and never prints the secret", async () => {
    const created = await runWarden(
      [
        "auth-configs",
        "create",
        "--provider",
        "github",
        "--client-id",
        "Iv1.cli",
        "--param",
        "allow_signup=false",
      ],
      { ...env, WARDEN_CLIENT_SECRET: CLIENT_SECRET },
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/provider\s+github/);
    expect(created.stdout).toMatch(/token url\s+https:\/\/github\.com\/login\/oauth\/access_token/);
    expect(created.stdout).toMatch(/revoke method\s+GITHUB/);
    expect(created.stdout).toMatch(/authorize params\s+allow_signup=false/);
    expect(created.stdout + created.stderr).not.toContain(CLIENT_SECRET);

    const bad = await runWarden(["auth-configs", "create", "--provider", "myspace", "--client-id", "c"], {
      ...env,
      WARDEN_CLIENT_SECRET: CLIENT_SECRET,
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/INVALID_ARGUMENT.*provider/i);
  });
});
