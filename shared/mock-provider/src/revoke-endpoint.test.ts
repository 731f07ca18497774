import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { MockProvider } from "./start-mock-provider.js";
import { startMockProvider } from "./start-mock-provider.js";

let provider: MockProvider;
beforeAll(async () => {
  provider = await startMockProvider({ clientId: "rev-client", clientSecret: "rev-secret" });
});
afterAll(() => provider.close());
beforeEach(() => provider.reset());

async function postRevoke(fields: Record<string, string>, auth = true) {
  const res = await fetch(provider.revokeUrl, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(auth ? { authorization: `Basic ${Buffer.from("rev-client:rev-secret").toString("base64")}` } : {}),
    },
    body: new URLSearchParams(fields),
  });
  return { status: res.status, text: await res.text() };
}

describe("POST /oauth/revoke", () => {
  it("revokes a known refresh token with an empty 200 and kills its family", async () => {
    const seed = provider.issueTokens();
    const res = await postRevoke({ token: seed.refresh_token, token_type_hint: "refresh_token" });
    expect(res).toEqual({ status: 200, text: "" });
    expect(provider.isRefreshTokenLive(seed.refresh_token)).toBe(false);
    expect(provider.isAccessTokenLive(seed.access_token)).toBe(false);
    expect(provider.revokeCount(seed.refresh_token)).toBe(1);
    expect(provider.revokedTokens()).toEqual([seed.refresh_token]);
  });

  it("answers 200 for an unknown token too (RFC 7009 §2.2) and counts it", async () => {
    const res = await postRevoke({ token: "rt_never_issued" });
    expect(res.status).toBe(200);
    expect(provider.revokeCount("rt_never_issued")).toBe(1);
    expect(provider.counters).toMatchObject({ revokeCalls: 1, revokeSuccesses: 1 });
  });

  it("counts every revocation per token, so double revokes are visible", async () => {
    const a = provider.issueTokens();
    const b = provider.issueTokens();
    await postRevoke({ token: a.refresh_token });
    await postRevoke({ token: b.refresh_token });
    await postRevoke({ token: b.refresh_token });
    expect(provider.revokeCount(a.refresh_token)).toBe(1);
    expect(provider.revokeCount(b.refresh_token)).toBe(2);
    expect(provider.counters.revocationsByToken.size).toBe(2);
  });

  it("revoking an access token leaves the refresh token live", async () => {
    const seed = provider.issueTokens();
    await postRevoke({ token: seed.access_token, token_type_hint: "access_token" });
    expect(provider.isAccessTokenLive(seed.access_token)).toBe(false);
    expect(provider.isRefreshTokenLive(seed.refresh_token)).toBe(true);
  });

  it("requires client authentication and a token", async () => {
    const seed = provider.issueTokens();
    const unauthenticated = await postRevoke({ token: seed.refresh_token }, false);
    expect(unauthenticated.status).toBe(401);
    expect(JSON.parse(unauthenticated.text)).toEqual(expect.objectContaining({ error: "invalid_client" }));
    expect(provider.isRefreshTokenLive(seed.refresh_token)).toBe(true);
    expect(provider.revokeCount(seed.refresh_token)).toBe(0);
    expect(provider.counters.revokeCallsByToken.get(seed.refresh_token)).toBe(1);

    const viaForm = await postRevoke(
      { token: seed.refresh_token, client_id: "rev-client", client_secret: "rev-secret" },
      false,
    );
    expect(viaForm.status).toBe(200);
    expect((await postRevoke({})).status).toBe(400);
  });
});
