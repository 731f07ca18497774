import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { MockProvider } from "./start-mock-provider.js";
import { startMockProvider } from "./start-mock-provider.js";

let provider: MockProvider;
beforeAll(async () => {
  provider = await startMockProvider({ responseStyle: "slack" });
});
afterAll(() => provider.close());
beforeEach(() => provider.reset());

async function post(url: string, fields: Record<string, string>) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      client_id: provider.clientId,
      client_secret: provider.clientSecret,
      ...fields,
    }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}
const refresh = (rt: string) => post(provider.tokenUrl, { grant_type: "refresh_token", refresh_token: rt });

describe("Slack-style answers", () => {
  it("wraps a successful refresh in ok: true", async () => {
    const res = await refresh(provider.issueTokens().refresh_token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, token_type: "Bearer", expires_in: 3600 });
    expect(res.body.refresh_token).toBeDefined();
  });

  it("answers HTTP 200 with ok: false and invalid_refresh_token for a dead refresh token", async () => {
    const res = await refresh("rt_unknown");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ok: false,
      error: "invalid_refresh_token",
      error_description: "unknown refresh token",
    });
    expect(provider.counters.invalidGrant).toBe(1);
  });

  it("names client failures the way Slack does", async () => {
    const res = await post(provider.tokenUrl, {
      grant_type: "refresh_token",
      refresh_token: "x",
      client_secret: "no",
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: false, error: "bad_client_secret" });
    expect(provider.counters.invalidClient).toBe(1);
  });

  it("answers revoke with ok: true, revoked: true", async () => {
    const seed = provider.issueTokens();
    const res = await post(provider.revokeUrl, { token: seed.refresh_token });
    expect(res).toMatchObject({ status: 200, body: { ok: true, revoked: true } });
    expect(provider.isRefreshTokenLive(seed.refresh_token)).toBe(false);
  });

  it("sends forced application errors verbatim as ok: false", async () => {
    provider.configure({ forceError: { revoke: { status: 400, error: "token_revoked" } } });
    const res = await post(provider.revokeUrl, { token: "t" });
    expect(res).toEqual(
      expect.objectContaining({ status: 200, body: { ok: false, error: "token_revoked" } }),
    );
  });

  it("keeps real 429 and 5xx statuses, as Slack's edge does", async () => {
    provider.configure({ rate429: 1, retryAfterSeconds: 30 });
    const limited = await refresh(provider.issueTokens().refresh_token);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("30");
    expect(limited.body).toEqual({ ok: false, error: "ratelimited" });
    provider.configure({ rate429: 0, rate5xx: 1 });
    const down = await refresh(provider.issueTokens().refresh_token);
    expect(down.status).toBe(503);
    expect(down.body.ok).toBe(false);
  });
});
