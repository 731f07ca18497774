import { request, Agent } from "node:http";
import { describe, expect, it } from "vitest";
import { startMockProvider } from "./start-mock-provider.js";

describe("startMockProvider", () => {
  it("listens on an ephemeral loopback port and exposes its URLs", async () => {
    const provider = await startMockProvider();
    try {
      expect(provider.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(provider.tokenUrl).toBe(`${provider.url}/oauth/token`);
      expect(provider.revokeUrl).toBe(`${provider.url}/oauth/revoke`);
      expect(provider.controlUrl).toBe(`${provider.url}/__control`);
      expect(provider.clientId).toBe("warden-mock-client");
      expect((await fetch(`${provider.url}/healthz`)).status).toBe(200);
      const missing = await fetch(`${provider.url}/nowhere`);
      expect(missing.status).toBe(404);
      await missing.text();
      expect(provider.counters.requests).toMatchObject({ health: 1, notFound: 1 });
    } finally {
      await provider.close();
    }
  });

  it("rejects bad options and configure() calls with a RangeError", async () => {
    await expect(startMockProvider({ rate429: 3 })).rejects.toThrow(RangeError);
    const provider = await startMockProvider();
    expect(() => provider.configure({ latencyMs: -1 })).toThrow(RangeError);
    await provider.close();
  });

  it("restores start-time settings on reset while keeping the same counters object", async () => {
    const provider = await startMockProvider({ responseStyle: "slack", expiresIn: 60 });
    const counters = provider.counters;
    provider.configure({ responseStyle: "rfc6749", expiresIn: 5 });
    const seed = provider.issueTokens();
    provider.counters.refreshCalls = 9;
    provider.reset();
    expect(provider.settings).toMatchObject({ responseStyle: "slack", expiresIn: 60 });
    expect(provider.counters).toBe(counters);
    expect(counters.refreshCalls).toBe(0);
    expect(provider.isRefreshTokenLive(seed.refresh_token)).toBe(false);
    await provider.close();
    await provider.close(); // idempotent
  });

  it("can skip per-token refresh counts while keeping the totals", async () => {
    const provider = await startMockProvider({ countRefreshesPerToken: false });
    const res = await fetch(provider.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: provider.issueTokens().refresh_token,
        client_id: provider.clientId,
        client_secret: provider.clientSecret,
      }),
    });
    expect(res.status).toBe(200);
    await res.text();
    expect(provider.counters.refreshCalls).toBe(1);
    expect(provider.counters.refreshCallsByToken.size).toBe(0);
    await provider.close();
  });

  it("serves many requests over one keep-alive connection", async () => {
    const provider = await startMockProvider();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    const body = new URLSearchParams({
      grant_type: "refresh_token",
      client_id: provider.clientId,
      client_secret: provider.clientSecret,
    });
    let refreshToken = provider.issueTokens().refresh_token;
    for (let i = 0; i < 50; i++) {
      body.set("refresh_token", refreshToken);
      const answer = await new Promise<{ status: number; json: { refresh_token: string } }>(
        (resolve, reject) => {
          const req = request(
            provider.tokenUrl,
            { method: "POST", agent, headers: { "content-type": "application/x-www-form-urlencoded" } },
            (res) => {
              sockets.add(res.socket);
              let text = "";
              res.setEncoding("utf8");
              res.on("data", (chunk: string) => (text += chunk));
              res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
            },
          );
          req.on("error", reject);
          req.end(body.toString());
        },
      );
      expect(answer.status).toBe(200);
      refreshToken = answer.json.refresh_token;
    }
    expect(sockets.size).toBe(1);
    expect(provider.counters.refreshSuccesses).toBe(50);
    agent.destroy();
    await provider.close();
  });
});
