import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { MockProvider } from "./start-mock-provider.js";
import { startMockProvider } from "./start-mock-provider.js";

let provider: MockProvider;
beforeAll(async () => {
  provider = await startMockProvider();
});
afterAll(() => provider.close());
beforeEach(() => provider.reset());

const basicAuth = () => ({
  authorization: `Basic ${Buffer.from(`${provider.clientId}:${provider.clientSecret}`).toString("base64")}`,
});

async function postToken(fields: Record<string, string>, headers: Record<string, string> = basicAuth()) {
  const res = await fetch(provider.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

const refresh = (refreshToken: string) =>
  postToken({ grant_type: "refresh_token", refresh_token: refreshToken });

describe("POST /oauth/token", () => {
  it("rotates the refresh token on every refresh and retires the old one", async () => {
    const seed = provider.issueTokens({ subject: "u1" });
    const first = await refresh(seed.refresh_token);
    expect(first.status).toBe(200);
    expect(first.headers.get("cache-control")).toBe("no-store");
    expect(first.body).toMatchObject({ token_type: "Bearer", expires_in: 3600, scope: "read write" });
    expect(first.body.refresh_token).toEqual(expect.stringMatching(/^rt_/));
    expect(first.body.refresh_token).not.toBe(seed.refresh_token);
    expect(provider.isRefreshTokenLive(seed.refresh_token)).toBe(false);
    expect(provider.isRefreshTokenLive(first.body.refresh_token as string)).toBe(true);
    expect(provider.isAccessTokenLive(first.body.access_token as string)).toBe(true);

    const second = await refresh(first.body.refresh_token as string);
    expect(second.status).toBe(200);
    expect(provider.counters).toMatchObject({ refreshCalls: 2, refreshSuccesses: 2, clientAuthBasic: 2 });
    expect(provider.counters.refreshCallsByToken.get(seed.refresh_token)).toBe(1);
  });

  it("answers invalid_grant to a reused refresh token and kills the whole family", async () => {
    const seed = provider.issueTokens();
    const rotated = await refresh(seed.refresh_token);
    const replay = await refresh(seed.refresh_token);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe("invalid_grant");
    expect(provider.isRefreshTokenLive(rotated.body.refresh_token as string)).toBe(false);
    expect(provider.isAccessTokenLive(rotated.body.access_token as string)).toBe(false);
    const afterKill = await refresh(rotated.body.refresh_token as string);
    expect(afterKill.body.error).toBe("invalid_grant");
    expect(provider.counters).toMatchObject({ reuseDetections: 1, invalidGrant: 2, refreshSuccesses: 1 });
  });

  it("holds a refresh's answer for answerLatencyMs after rotating, so a client can die holding nothing", async () => {
    provider.configure({ answerLatencyMs: 600_000 });
    const seed = provider.issueTokens();
    const client = new AbortController();
    let answered = false;
    const call = fetch(provider.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...basicAuth() },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: seed.refresh_token }),
      signal: client.signal,
    }).then(() => (answered = true));
    await vi.waitFor(() => expect(provider.counters.refreshSuccesses).toBe(1), { timeout: 10_000 });
    expect(provider.isRefreshTokenLive(seed.refresh_token)).toBe(false); // rotated, answer not sent
    expect(answered).toBe(false);
    client.abort(); // the client dies before the answer arrives
    await expect(call).rejects.toThrow();
    provider.configure({ answerLatencyMs: 0 });
    const retry = await refresh(seed.refresh_token);
    expect(retry.body.error).toBe("invalid_grant");
    expect(provider.counters.reuseDetections).toBe(1);
  });

  it("answers invalid_grant to an unknown refresh token", async () => {
    const res = await refresh("rt_unknown");
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("invalid_grant");
    expect(provider.counters.reuseDetections).toBe(0);
  });

  it("accepts client_secret_post", async () => {
    const seed = provider.issueTokens();
    const res = await postToken(
      {
        grant_type: "refresh_token",
        refresh_token: seed.refresh_token,
        client_id: provider.clientId,
        client_secret: provider.clientSecret,
      },
      {},
    );
    expect(res.status).toBe(200);
    expect(provider.counters).toMatchObject({ clientAuthPost: 1, clientAuthBasic: 0 });
  });

  it("answers 401 invalid_client to missing or wrong client credentials, without touching the token", async () => {
    const seed = provider.issueTokens();
    const missing = await postToken({ grant_type: "refresh_token", refresh_token: seed.refresh_token }, {});
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ error: "invalid_client" });
    expect(missing.headers.get("www-authenticate")).toMatch(/^Basic /);

    const wrong = await postToken(
      { grant_type: "refresh_token", refresh_token: seed.refresh_token },
      { authorization: `Basic ${Buffer.from(`${provider.clientId}:nope`).toString("base64")}` },
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe("invalid_client");
    expect(provider.isRefreshTokenLive(seed.refresh_token)).toBe(true);
    expect(provider.counters.invalidClient).toBe(2);
  });

  it("leaves expires_in out when omitExpiresIn is set", async () => {
    provider.configure({ omitExpiresIn: true });
    const res = await refresh(provider.issueTokens().refresh_token);
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty("expires_in");
    expect(res.body.access_token).toBeDefined();
  });

  it("uses the configured expiresIn", async () => {
    provider.configure({ expiresIn: 120 });
    const res = await refresh(provider.issueTokens().refresh_token);
    expect(res.body.expires_in).toBe(120);
  });

  it("returns no new refresh token and keeps the old one live when rotation is off", async () => {
    provider.configure({ rotateRefreshTokens: false });
    const seed = provider.issueTokens();
    const res = await refresh(seed.refresh_token);
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty("refresh_token");
    expect((await refresh(seed.refresh_token)).status).toBe(200);
    expect(provider.counters.reuseDetections).toBe(0);
  });

  it("exchanges an issued code or any code_ code once", async () => {
    const code = provider.issueCode({ subject: "alice" });
    const issued = await postToken({
      grant_type: "authorization_code",
      code,
      redirect_uri: "http://localhost/cb",
    });
    expect(issued.status).toBe(200);
    expect(issued.body.refresh_token).toBeDefined();
    const replay = await postToken({ grant_type: "authorization_code", code });
    expect(replay.body.error).toBe("invalid_grant");
    expect(provider.isRefreshTokenLive(issued.body.refresh_token as string)).toBe(false);

    expect((await postToken({ grant_type: "authorization_code", code: "code_demo" })).status).toBe(200);
    expect((await postToken({ grant_type: "authorization_code", code: "garbage" })).body.error).toBe(
      "invalid_grant",
    );
    expect(provider.counters.authorizationCodeCalls).toBe(4);
  });

  it("refuses unsupported grant types and non-form bodies", async () => {
    expect((await postToken({ grant_type: "password" })).body.error).toBe("unsupported_grant_type");
    expect((await postToken({})).body.error).toBe("invalid_request");
    const json = await fetch(provider.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/json", ...basicAuth() },
      body: JSON.stringify({ grant_type: "refresh_token" }),
    });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error: string }).error).toBe("invalid_request");
    const get = await fetch(provider.tokenUrl);
    expect(get.status).toBe(405);
    await get.text();
  });
});
