import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRevokeAgents, revokeToken, type RevokeTokenRequest } from "./revoke-token.js";

let provider: MockProvider;
const agents = createRevokeAgents(8);

beforeAll(async () => {
  provider = await startMockProvider({ seed: 7 });
});

afterAll(async () => {
  await agents.close();
  await provider.close();
});

function request(overrides: Partial<RevokeTokenRequest> = {}): RevokeTokenRequest {
  return {
    revokeUrl: provider.revokeUrl,
    token: provider.issueTokens().refresh_token,
    tokenTypeHint: "refresh_token",
    client: { clientId: provider.clientId, clientSecret: provider.clientSecret, method: "basic" },
    responseStyle: "rfc6749",
    timeoutMs: 2000,
    agents,
    ...overrides,
  } as RevokeTokenRequest;
}

describe("revokeToken", () => {
  it("revokes a refresh token over a pooled keep-alive connection", async () => {
    const req = request();
    expect((await revokeToken(req)).kind).toBe("revoked");
    expect(provider.isRefreshTokenLive(req.token)).toBe(false);
    expect(provider.revokeCount(req.token)).toBe(1);
  });

  it("turns a provider that never answers into a retryable timeout", async () => {
    provider.configure({ hang: true });
    try {
      const started = Date.now();
      const outcome = await revokeToken(request({ timeoutMs: 300 }));
      expect(outcome).toMatchObject({ kind: "retry", errorCode: "timeout" });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      provider.configure({ hang: false });
    }
  });

  it("does not follow a redirect to another host", async () => {
    let redirectedTo = 0;
    const target = createServer((_req, res) => {
      redirectedTo++;
      res.end("{}");
    });
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    const bouncer = createServer((_req, res) => {
      res.writeHead(307, { location: `http://127.0.0.1:${(target.address() as AddressInfo).port}/` });
      res.end();
    });
    await new Promise<void>((resolve) => bouncer.listen(0, "127.0.0.1", resolve));
    try {
      const outcome = await revokeToken(
        request({ revokeUrl: `http://127.0.0.1:${(bouncer.address() as AddressInfo).port}/revoke` }),
      );
      expect(outcome.kind).not.toBe("revoked");
      expect(redirectedTo).toBe(0);
    } finally {
      bouncer.close();
      target.close();
    }
  });

  it("refused connections are retryable network errors", async () => {
    expect(await revokeToken(request({ revokeUrl: "http://127.0.0.1:1/revoke" }))).toMatchObject({
      kind: "retry",
      errorCode: "network_error",
    });
  });
});
