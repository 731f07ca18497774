import { DIALECT_PATHS, startMockProvider, type MockProvider } from "@warden/mock-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  effectiveRevokeMethod,
  revokeWithMethod,
  tokenKindFor,
  type CallingRevokeMethod,
} from "./revoke-dialect.js";
import { githubGrantUrl } from "./revoke-github-grant.js";
import { createRevokeAgents, type RevokeTokenRequest } from "./revoke-token.js";

let provider: MockProvider;
const agents = createRevokeAgents(8);

beforeAll(async () => {
  provider = await startMockProvider({ seed: 11 });
});

afterAll(async () => {
  await agents.close();
  await provider.close();
});

const URLS: Record<CallingRevokeMethod, () => string> = {
  rfc7009: () => provider.revokeUrl,
  rfc7009_unauthenticated: () => provider.url + DIALECT_PATHS.google.revoke,
  slack: () => provider.url + DIALECT_PATHS.slack.revoke,
  bearer: () => provider.url + DIALECT_PATHS.dropbox.revoke,
  github: () => provider.url + DIALECT_PATHS.github.revoke,
  delete_by_path: () => provider.url + "/hubspot/oauth/v1/refresh-tokens",
};

function request(
  method: CallingRevokeMethod,
  overrides: Partial<RevokeTokenRequest> = {},
): RevokeTokenRequest {
  const tokens = provider.issueTokens();
  const kind = tokenKindFor(method);
  return {
    revokeUrl: URLS[method](),
    token: kind === "access" ? tokens.access_token : tokens.refresh_token,
    tokenTypeHint: kind === "access" ? "access_token" : "refresh_token",
    client: { clientId: provider.clientId, clientSecret: provider.clientSecret, method: "post" },
    responseStyle: "rfc6749",
    timeoutMs: 2000,
    agents,
    ...overrides,
  };
}

describe("revoke dialects", () => {
  it.each(Object.keys(URLS) as CallingRevokeMethod[])(
    "%s revokes the token once over real HTTP",
    async (method) => {
      const req = request(method);
      expect(await revokeWithMethod(method, req)).toEqual({ kind: "revoked" });
      expect(provider.revokeCount(req.token)).toBe(1);
      expect(provider.isRefreshTokenLive(req.token) || provider.isAccessTokenLive(req.token)).toBe(false);
    },
  );

  it("each dialect is counted on its own route", async () => {
    const before = structuredClone(provider.counters.byDialect);
    await revokeWithMethod("github", request("github"));
    await revokeWithMethod("delete_by_path", request("delete_by_path"));
    expect(provider.counters.byDialect.github.revocations).toBe(before.github.revocations + 1);
    expect(provider.counters.byDialect.hubspot.revocations).toBe(before.hubspot.revocations + 1);
    expect(provider.counters.byDialect.slack.revocations).toBe(before.slack.revocations);
  });

  it("Slack's HTTP 200 ok:false fails with Slack's code", async () => {
    const outcome = await revokeWithMethod("slack", request("slack", { token: "xoxp-dead-token" }));
    expect(outcome).toMatchObject({ kind: "failed", errorCode: "invalid_auth", status: 200 });
  });

  it("GitHub refuses a wrong client secret with 401, and the secret is not in the outcome", async () => {
    const secret = "wrong-secret-value";
    const outcome = await revokeWithMethod(
      "github",
      request("github", { client: { clientId: provider.clientId, clientSecret: secret, method: "post" } }),
    );
    expect(outcome).toMatchObject({ kind: "failed", errorCode: "http_401", status: 401 });
    expect(JSON.stringify(outcome)).not.toContain(secret);
  });

  it("a dead bearer token fails (Dropbox 401), an unknown HubSpot token fails (404); neither outcome carries it", async () => {
    const token = "at_not_a_live_token_value";
    for (const method of ["bearer", "delete_by_path"] as const) {
      const outcome = await revokeWithMethod(method, request(method, { token }));
      expect(outcome.kind).toBe("failed");
      expect(JSON.stringify(outcome)).not.toContain(token);
    }
  });

  it("429 from a dialect route is retried with Retry-After", async () => {
    provider.configure({
      forceError: { revoke: { status: 429, error: "rate_limited", retryAfterSeconds: 3, times: 1 } },
    });
    const outcome = await revokeWithMethod("bearer", request("bearer"));
    expect(outcome).toMatchObject({ kind: "retry", errorCode: "rate_limited", retryAfterMs: 3000 });
  });

  it("fills GitHub's {client_id} slot also after URL normalisation encoded its braces", () => {
    const saved = new URL("https://api.github.com/applications/{client_id}/grant").toString();
    expect(githubGrantUrl(saved, "Iv1.a b")).toBe("https://api.github.com/applications/Iv1.a%20b/grant");
  });

  it("picks the first release's rule when no method is set, and none without a URL", () => {
    expect(effectiveRevokeMethod(null, "https://p.example/revoke")).toBe("rfc7009");
    expect(effectiveRevokeMethod(null, null)).toBe("none");
    expect(effectiveRevokeMethod("github", null)).toBe("none");
    expect(effectiveRevokeMethod("none", "https://p.example/revoke")).toBe("none");
    expect(effectiveRevokeMethod("slack", "https://p.example/revoke")).toBe("slack");
  });
});
