import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { MockProvider } from "./start-mock-provider.js";
import { startMockProvider } from "./start-mock-provider.js";

let provider: MockProvider;
beforeAll(async () => {
  provider = await startMockProvider({ expiresIn: 900 });
});
afterAll(() => provider.close());
beforeEach(() => provider.reset());

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(provider.url + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const refresh = (rt: string) =>
  fetch(provider.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: rt,
      client_id: provider.clientId,
      client_secret: provider.clientSecret,
    }),
  });

describe("control endpoint", () => {
  it("reads and changes settings over HTTP, for tests driving another process", async () => {
    expect((await call("GET", "/__control")).body).toMatchObject({ expiresIn: 900, rate429: 0 });
    const changed = await call("POST", "/__control", { rate429: 1, retryAfterSeconds: 2 });
    expect(changed).toMatchObject({ status: 200, body: { rate429: 1, retryAfterSeconds: 2 } });
    expect(provider.settings.rate429).toBe(1);
    const res = await refresh(provider.issueTokens().refresh_token);
    expect(res.status).toBe(429);
    await res.text();
  });

  it("refuses bad settings with 400 and names the field", async () => {
    expect(await call("POST", "/__control", { rate5xx: 2 })).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining("rate5xx") },
    });
    expect((await call("POST", "/__control", "{not json")).status).toBe(400);
    expect(provider.settings.rate5xx).toBe(0);
  });

  it("serves counters and resets tokens, counters and settings", async () => {
    const tokens = (await call("POST", "/__tokens", { subject: "bob" })).body;
    expect(tokens).toMatchObject({ subject: "bob", expires_in: 900, token_type: "Bearer" });
    await (await refresh(tokens.refresh_token as string)).text();
    const counters = (await call("GET", "/__counters")).body;
    expect(counters).toMatchObject({ refreshCalls: 1, refreshSuccesses: 1 });
    expect(counters.refreshCallsByToken).toEqual({ [tokens.refresh_token as string]: 1 });

    await call("POST", "/__control", { hang: true });
    expect(await call("POST", "/__reset")).toMatchObject({ status: 200, body: { ok: true } });
    expect(provider.settings.hang).toBe(false);
    expect(provider.settings.expiresIn).toBe(900);
    expect(provider.counters.refreshCalls).toBe(0);
    expect(provider.isAccessTokenLive(tokens.access_token as string)).toBe(false);
  });

  it("reports a token's state and issues codes", async () => {
    const seed = provider.issueTokens();
    const state = await call("GET", `/__tokens?token=${seed.refresh_token}`);
    expect(state.body).toEqual({
      refresh_token_live: true,
      access_token_live: false,
      refresh_calls: 0,
      revocations: 0,
    });
    expect((await call("GET", "/__tokens")).status).toBe(400);
    const code = (await call("POST", "/__codes", {})).body.code;
    expect(code).toEqual(expect.stringMatching(/^code_/));
    expect((await call("GET", "/__nope")).status).toBe(404);
  });

  it("is never subject to injected faults", async () => {
    provider.configure({ hang: true, rate5xx: 1, nonJson: true });
    expect((await call("GET", "/__counters")).status).toBe(200);
    const health = await fetch(`${provider.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
  });
});
