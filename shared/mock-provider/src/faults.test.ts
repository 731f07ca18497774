import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSeededRandom } from "./seeded-random.js";
import type { MockProvider } from "./start-mock-provider.js";
import { startMockProvider } from "./start-mock-provider.js";

let provider: MockProvider;
beforeAll(async () => {
  provider = await startMockProvider();
});
afterAll(() => provider.close());
beforeEach(() => provider.reset());

function post(target: MockProvider, url: string, fields: Record<string, string>, signal?: AbortSignal) {
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from(`${target.clientId}:${target.clientSecret}`).toString("base64")}`,
    },
    body: new URLSearchParams(fields),
    signal,
  });
}
const refresh = (target: MockProvider, refreshToken: string, signal?: AbortSignal) =>
  post(target, target.tokenUrl, { grant_type: "refresh_token", refresh_token: refreshToken }, signal);

describe("fault injection", () => {
  it("answers 429 with Retry-After and leaves the token untouched", async () => {
    provider.configure({ rate429: 1, retryAfterSeconds: 7 });
    const seed = provider.issueTokens();
    const res = await refresh(provider, seed.refresh_token);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(await res.json()).toEqual({ error: "rate_limited" });
    expect(provider.isRefreshTokenLive(seed.refresh_token)).toBe(true);
    expect(provider.counters).toMatchObject({ rateLimited: 1, refreshCalls: 1, refreshSuccesses: 0 });
    expect(provider.counters.refreshCallsByToken.get(seed.refresh_token)).toBe(1);
  });

  it("injects 5xx at the configured rate, in the same order for the same seed", async () => {
    const runs: number[][] = [];
    for (let run = 0; run < 2; run++) {
      const seeded = await startMockProvider({ seed: 123, rate5xx: 0.3 });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await refresh(seeded, seeded.issueTokens().refresh_token);
        statuses.push(res.status);
        await res.arrayBuffer();
      }
      expect(seeded.counters.serverErrors).toBe(statuses.filter((s) => s === 503).length);
      runs.push(statuses);
      await seeded.close();
    }
    expect(runs[1]).toEqual(runs[0]);
    const rng = createSeededRandom(123);
    expect(runs[0]).toEqual(Array.from({ length: 40 }, () => (rng() < 0.3 ? 503 : 200)));
    expect(runs[0]).toContain(503);
    expect(runs[0]).toContain(200);
  });

  it("delays answers by latencyMs plus seeded jitter", async () => {
    provider.configure({ latencyMs: 120 });
    let started = performance.now();
    expect((await refresh(provider, provider.issueTokens().refresh_token)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);

    const jittery = await startMockProvider({ latencyMs: 0, latencyJitterMs: 400, random: () => 0.5 });
    started = performance.now();
    await (await refresh(jittery, jittery.issueTokens().refresh_token)).text();
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    await jittery.close();
  });

  it("answers an HTML page instead of JSON in nonJson mode", async () => {
    provider.configure({ nonJson: true, nonJsonStatus: 502 });
    const res = await refresh(provider, provider.issueTokens().refresh_token);
    expect(res.status).toBe(502);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    await expect(res.json()).rejects.toThrow();
    expect(provider.counters.serverErrors).toBe(1);
  });

  it("never answers in hang mode, until hang is switched off", async () => {
    provider.configure({ hang: true });
    const seed = provider.issueTokens();
    await expect(refresh(provider, seed.refresh_token, AbortSignal.timeout(150))).rejects.toThrow();
    provider.configure({ hang: false });
    expect((await refresh(provider, seed.refresh_token)).status).toBe(200);
  });

  it("close() does not wait for hanging requests", async () => {
    const hanging = await startMockProvider({ hang: true });
    const pending = refresh(hanging, "rt_x");
    pending.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await hanging.close();
    await expect(pending).rejects.toThrow();
  });

  it("forces a per-endpoint error a given number of times, then clears itself", async () => {
    provider.configure({ forceError: { token: { status: 400, error: "invalid_grant", times: 2 } } });
    const seed = provider.issueTokens();
    for (let i = 0; i < 2; i++) {
      const res = await refresh(provider, seed.refresh_token);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: "invalid_grant" });
    }
    expect(provider.settings.forceError.token).toBeUndefined();
    expect((await refresh(provider, seed.refresh_token)).status).toBe(200);
    expect(provider.counters.invalidGrant).toBe(2);
  });

  it("forces revoke errors with Retry-After when asked", async () => {
    provider.configure({
      forceError: {
        revoke: { status: 401, error: "invalid_client" },
        token: { status: 503, error: "temporarily_unavailable", retryAfterSeconds: 3 },
      },
    });
    const seed = provider.issueTokens();
    const revoke = await post(provider, provider.revokeUrl, { token: seed.refresh_token });
    expect(revoke.status).toBe(401);
    expect(await revoke.json()).toEqual({ error: "invalid_client" });
    expect(provider.isRefreshTokenLive(seed.refresh_token)).toBe(true);
    const token = await refresh(provider, seed.refresh_token);
    expect(token.status).toBe(503);
    expect(token.headers.get("retry-after")).toBe("3");
  });

  it("limits rate, latency and hang faults to faultEndpoints", async () => {
    provider.configure({ rate429: 1, faultEndpoints: ["revoke"] });
    const seed = provider.issueTokens();
    expect((await refresh(provider, seed.refresh_token)).status).toBe(200);
    expect((await post(provider, provider.revokeUrl, { token: seed.refresh_token })).status).toBe(429);
  });
});
