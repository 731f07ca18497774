import { randomBytes } from "node:crypto";
import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { waitFor } from "@warden/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../../services/jobs-gateway/src/test-gateway.js";
import { captureStream, runWarden } from "./test-cli.js";

let gateway: TestGateway;
let provider: MockProvider;
let apiKey = "";
let authConfigId = "";

beforeAll(async () => {
  gateway = await startTestGateway({ label: "cliconnect" });
  provider = await startMockProvider({ clientSecret: `cli-mock-${randomBytes(6).toString("hex")}` });
  const admin = { WARDEN_GATEWAY_URL: gateway.url, WARDEN_ADMIN_KEY: gateway.adminKey };
  const org = JSON.parse(
    (await runWarden(["admin", "create-org", "--name", "Acme", "--json"], admin)).stdout,
  );
  const project = JSON.parse(
    (await runWarden(["admin", "create-project", "--org", org.org.id, "--name", "p", "--json"], admin))
      .stdout,
  );
  const key = await runWarden(
    ["admin", "create-api-key", "--org", org.org.id, "--project", project.project.id, "--scopes", "all"],
    admin,
  );
  apiKey = /api key\s+(\S+)/.exec(key.stdout)![1]!;
  const config = await runWarden(
    [
      "accounts",
      "auth-configs",
      "create",
      "--name",
      "mock",
      "--token-url",
      provider.tokenUrl,
      "--client-id",
      provider.clientId,
      "--json",
    ],
    { WARDEN_GATEWAY_URL: gateway.url, WARDEN_API_KEY: apiKey, WARDEN_CLIENT_SECRET: provider.clientSecret },
  );
  expect(config.code, config.stderr).toBe(0);
  authConfigId = JSON.parse(config.stdout).authConfig.id;
  await sql`update auth_configs set authorize_url = ${`${provider.url}/oauth/authorize`} where id = ${authConfigId}`.execute(
    gateway.deps.db,
  );
});

afterAll(async () => {
  await provider?.close();
  await gateway?.close();
});

/** Runs `warden connect`, plays the browser with `finish(state)` once the URL is printed, and returns the result. */
async function connectWith(externalUserId: string, finish: (state: string) => Record<string, string>) {
  const stdout = captureStream();
  const running = runWarden(
    ["connect", authConfigId, externalUserId, "--return-url", "http://127.0.0.1:9/done"],
    { WARDEN_GATEWAY_URL: gateway.url, WARDEN_API_KEY: apiKey },
    { stdout },
  );
  const authorizeUrl = await waitFor(() => /^(http\S+)$/m.exec(stdout.text())?.[1], {
    message: "warden connect to print the authorize URL",
  });
  const state = new URL(authorizeUrl!).searchParams.get("state")!;
  await fetch(`${gateway.url}/oauth/callback?${new URLSearchParams(finish(state))}`, { redirect: "manual" });
  return running;
}

describe("warden connect", () => {
  it("prints the authorize URL, waits, and exits 0 with the connected account once the browser is back", async () => {
    const result = await connectWith("alice", (state) => ({
      state,
      code: provider.issueCode({ subject: "alice" }),
    }));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("open this URL in a browser");
    expect(result.stdout).toMatch(/status\s+connected/);
    expect(result.stdout).toMatch(/account\s+ca_/);
  });

  it("exits 3 with the provider's error when the user refuses consent", async () => {
    const result = await connectWith("bob", (state) => ({ state, error: "access_denied" }));
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/error\s+access_denied/);
  });
});
