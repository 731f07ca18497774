import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { DIALECT_PATHS, startMockProvider, type MockProvider } from "@warden/mock-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestRefreshTokenGrant, type RefreshTokenGrantRequest } from "./refresh-token-grant.js";

let provider: MockProvider;

beforeAll(async () => {
  provider = await startMockProvider({ seed: 12 });
});

afterAll(() => provider.close());

const GITHUB_CODES = { account: ["bad_refresh_token"], app: ["incorrect_client_credentials"] };

function grant(path: string, overrides: Partial<RefreshTokenGrantRequest> = {}): RefreshTokenGrantRequest {
  return {
    tokenUrl: provider.url + path,
    refreshToken: provider.issueTokens().refresh_token,
    client: { clientId: provider.clientId, clientSecret: provider.clientSecret, method: "post" },
    timeoutMs: 2000,
    ...overrides,
  };
}

describe("refresh dialects", () => {
  it.each(Object.entries(DIALECT_PATHS))("%s's token endpoint refreshes", async (_dialect, paths) => {
    expect((await requestRefreshTokenGrant(grant(paths.token))).kind).toBe("refreshed");
  });

  it("GitHub style: HTTP 200 with an error is a failure, classified by the provider's own codes", async () => {
    provider.configure({ forceError: { token: { status: 400, error: "bad_refresh_token", times: 1 } } });
    const dead = await requestRefreshTokenGrant(
      grant(DIALECT_PATHS.github.token, { terminalErrors: GITHUB_CODES }),
    );
    expect(dead).toMatchObject({
      kind: "failed",
      failureClass: "account",
      errorCode: "bad_refresh_token",
      status: 200,
    });

    provider.configure({
      forceError: { token: { status: 400, error: "incorrect_client_credentials", times: 1 } },
    });
    const app = await requestRefreshTokenGrant(
      grant(DIALECT_PATHS.github.token, { terminalErrors: GITHUB_CODES }),
    );
    expect(app).toMatchObject({ kind: "failed", failureClass: "app", status: 200 });
  });

  it("without the catalog's codes a provider-specific code stays transient (never disables an account)", async () => {
    provider.configure({ forceError: { token: { status: 400, error: "bad_refresh_token", times: 1 } } });
    const outcome = await requestRefreshTokenGrant(grant(DIALECT_PATHS.github.token));
    expect(outcome).toMatchObject({ kind: "failed", failureClass: "transient" });
  });

  it("Slack style: a reused refresh token is ok:false invalid_refresh_token, terminal for the account", async () => {
    const req = grant(DIALECT_PATHS.slack.token);
    expect((await requestRefreshTokenGrant(req)).kind).toBe("refreshed");
    const reused = await requestRefreshTokenGrant(req);
    expect(reused).toMatchObject({
      kind: "failed",
      failureClass: "account",
      errorCode: "invalid_refresh_token",
      status: 200,
    });
  });

  it("a public client (CLIENT_AUTH_NONE) sends its client_id and no secret", async () => {
    let seen: { body: string; authorization: string | undefined } | undefined;
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        seen = { body, authorization: req.headers.authorization };
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ access_token: "at_public", token_type: "Bearer", expires_in: 60 }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
      const outcome = await requestRefreshTokenGrant({
        tokenUrl: url,
        refreshToken: "rt_public",
        client: { clientId: "public-app", clientSecret: null, method: "none" },
        timeoutMs: 2000,
      });
      expect(outcome.kind).toBe("refreshed");
      const form = new URLSearchParams(seen?.body);
      expect(form.get("client_id")).toBe("public-app");
      expect(form.has("client_secret")).toBe(false);
      expect(seen?.authorization).toBeUndefined();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
