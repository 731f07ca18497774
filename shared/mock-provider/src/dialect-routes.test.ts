import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIALECT_PATHS } from "./dialect-routes.js";
import { startMockProvider, type MockProvider } from "./start-mock-provider.js";

let provider: MockProvider;
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;

beforeAll(async () => {
  provider = await startMockProvider({ seed: 3 });
});

afterAll(() => provider.close());

describe("dialect routes", () => {
  it("GitHub's grant delete needs Basic auth for the client named in the path", async () => {
    const { access_token } = provider.issueTokens();
    const url = `${provider.url}/github/applications/${provider.clientId}/grant`;
    const body = JSON.stringify({ access_token });
    const wrong = await fetch(url, {
      method: "DELETE",
      body,
      headers: { authorization: basic(provider.clientId, "nope") },
    });
    expect(wrong.status).toBe(401);
    const otherClient = await fetch(`${provider.url}/github/applications/someone-else/grant`, {
      method: "DELETE",
      body,
      headers: { authorization: basic(provider.clientId, provider.clientSecret) },
    });
    expect(otherClient.status).toBe(401);
    expect(provider.isAccessTokenLive(access_token)).toBe(true);
    const ok = await fetch(url, {
      method: "DELETE",
      body,
      headers: { authorization: basic(provider.clientId, provider.clientSecret) },
    });
    expect(ok.status).toBe(204);
    expect(provider.isAccessTokenLive(access_token)).toBe(false);
    expect(provider.counters.byDialect.github).toMatchObject({ revokeCalls: 3, revocations: 1 });
  });

  it("Slack's auth.revoke answers HTTP 200 with ok:false when no token authenticates the call", async () => {
    const response = await fetch(provider.url + DIALECT_PATHS.slack.revoke, { method: "POST" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: false, error: "not_authed" });
  });

  it("HubSpot's delete takes the refresh token from the path and kills it once", async () => {
    const { refresh_token } = provider.issueTokens();
    const url = `${provider.url}/hubspot/oauth/v1/refresh-tokens/${encodeURIComponent(refresh_token)}`;
    expect((await fetch(url, { method: "DELETE" })).status).toBe(204);
    expect((await fetch(url, { method: "DELETE" })).status).toBe(404);
    expect(provider.revokeCount(refresh_token)).toBe(1);
  });

  it("GitHub's token route answers errors with HTTP 200", async () => {
    const response = await fetch(provider.url + DIALECT_PATHS.github.token, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: "rt_dead",
        client_id: provider.clientId,
        client_secret: provider.clientSecret,
      }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("unknown paths under a dialect prefix are 404", async () => {
    expect((await fetch(`${provider.url}/slack/api/chat.postMessage`, { method: "POST" })).status).toBe(404);
  });
});
