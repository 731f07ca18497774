import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { OAuthClientCredentials } from "./client-authentication.js";
import { classifyProviderError } from "./classify-provider-error.js";
import { requestRefreshTokenGrant } from "./refresh-token-grant.js";

let provider: MockProvider;
let client: OAuthClientCredentials;

beforeAll(async () => {
  provider = await startMockProvider({ seed: 7 });
  client = { clientId: provider.clientId, clientSecret: provider.clientSecret, method: "basic" };
});
afterAll(async () => provider?.close());
beforeEach(() => provider.reset());

const grant = (
  refreshToken: string,
  overrides: Partial<Parameters<typeof requestRefreshTokenGrant>[0]> = {},
) =>
  requestRefreshTokenGrant({
    tokenUrl: provider.tokenUrl,
    refreshToken,
    client,
    timeoutMs: 2_000,
    ...overrides,
  });

describe("requestRefreshTokenGrant against a real HTTP provider", () => {
  it("returns the new access token, the rotated refresh token and the lifetime", async () => {
    const seed = provider.issueTokens();
    const outcome = await grant(seed.refresh_token);
    expect(outcome).toMatchObject({ kind: "refreshed", tokenType: "Bearer", expiresInSeconds: 3600 });
    if (outcome.kind !== "refreshed") throw new Error("unreachable");
    expect(outcome.refreshToken).not.toBe(seed.refresh_token);
    expect(provider.isRefreshTokenLive(outcome.refreshToken!)).toBe(true);
    expect(provider.isAccessTokenLive(outcome.accessToken)).toBe(true);
  });

  it("authenticates with form parameters when the auth config says post", async () => {
    const seed = provider.issueTokens();
    const outcome = await grant(seed.refresh_token, { client: { ...client, method: "post" } });
    expect(outcome.kind).toBe("refreshed");
    expect(provider.counters.clientAuthPost).toBe(1);
  });

  it("keeps the refresh token when the provider does not rotate, and reports an unknown expiry without expires_in", async () => {
    provider.configure({ rotateRefreshTokens: false, omitExpiresIn: true });
    const outcome = await grant(provider.issueTokens().refresh_token);
    expect(outcome).toMatchObject({ kind: "refreshed", refreshToken: null, expiresInSeconds: null });
  });

  it("classifies a reused refresh token as a terminal per-account invalid_grant", async () => {
    const seed = provider.issueTokens();
    await grant(seed.refresh_token);
    expect(await grant(seed.refresh_token)).toEqual({
      kind: "failed",
      failureClass: "account",
      errorCode: "invalid_grant",
      status: 400,
    });
  });

  it("reads Slack's HTTP 200 ok:false as a failure with the provider's code", async () => {
    provider.configure({
      responseStyle: "slack",
      forceError: { token: { status: 400, error: "invalid_refresh_token" } },
    });
    expect(await grant(provider.issueTokens().refresh_token)).toMatchObject({
      kind: "failed",
      failureClass: "account",
      errorCode: "invalid_refresh_token",
      status: 200,
    });
  });

  it("blames a wrong client secret on the app, not the account", async () => {
    const outcome = await grant(provider.issueTokens().refresh_token, {
      client: { ...client, clientSecret: "wrong-secret" },
    });
    expect(outcome).toMatchObject({ kind: "failed", failureClass: "app", errorCode: "invalid_client" });
  });

  it("treats 5xx, 429 (with Retry-After), non-JSON bodies, timeouts and refused connections as transient", async () => {
    const rt = provider.issueTokens().refresh_token;
    provider.configure({ rate5xx: 1 });
    expect(await grant(rt)).toMatchObject({
      failureClass: "transient",
      errorCode: "server_error",
      status: 503,
    });
    provider.configure({ rate5xx: 0, rate429: 1, retryAfterSeconds: 3 });
    expect(await grant(rt)).toMatchObject({
      failureClass: "transient",
      errorCode: "rate_limited",
      retryAfterMs: 3000,
    });
    provider.configure({ rate429: 0, nonJson: true });
    expect(await grant(rt)).toMatchObject({ failureClass: "transient", errorCode: "invalid_response" });
    provider.configure({ nonJson: false, hang: true });
    expect(await grant(rt, { timeoutMs: 200 })).toEqual({
      kind: "failed",
      failureClass: "transient",
      errorCode: "timeout",
    });
    provider.configure({ hang: false });
    expect(await grant(rt, { tokenUrl: "http://127.0.0.1:1/oauth/token" })).toMatchObject({
      errorCode: "network_error",
    });
  });

  it("never puts the refresh token or the client secret into a failure", async () => {
    const rt = provider.issueTokens().refresh_token;
    provider.configure({ forceError: { token: { status: 400, error: `x${rt}`, errorDescription: rt } } });
    const outcome = await grant(rt);
    expect(JSON.stringify(outcome)).not.toContain(rt);
    expect(JSON.stringify(outcome)).not.toContain(provider.clientSecret);
  });
});

describe("classifyProviderError", () => {
  it("splits per-account, per-app and unknown (transient) codes", () => {
    for (const code of [
      "invalid_grant",
      "invalid_refresh_token",
      "access_denied",
      "token_revoked",
      "account_inactive",
    ])
      expect(classifyProviderError(code)).toBe("account");
    for (const code of ["invalid_client", "unauthorized_client", "bad_client_secret", "invalid_client_id"])
      expect(classifyProviderError(code)).toBe("app");
    expect(classifyProviderError("something_new")).toBe("transient");
  });
});
