import { describe, expect, it } from "vitest";
import { createTokenStore } from "./token-store.js";

const opts = { rotate: true, expiresIn: 3600 };

describe("createTokenStore", () => {
  it("rotates: a refresh returns a new refresh token and retires the presented one", () => {
    const store = createTokenStore({ now: Date.now });
    const seed = store.issue({ subject: "u1", expiresIn: 3600 });
    const outcome = store.refresh(seed.refreshToken, opts);
    expect(outcome.kind).toBe("refreshed");
    if (outcome.kind !== "refreshed") return;
    expect(outcome.grant.refreshToken).toBeDefined();
    expect(outcome.grant.refreshToken).not.toBe(seed.refreshToken);
    expect(outcome.grant.subject).toBe("u1");
    expect(store.isRefreshTokenLive(seed.refreshToken)).toBe(false);
    expect(store.isRefreshTokenLive(outcome.grant.refreshToken!)).toBe(true);
    // The old access token stays valid until it expires, as with real providers.
    expect(store.isAccessTokenLive(seed.accessToken)).toBe(true);
  });

  it("reuse of a rotated refresh token kills every token of the family", () => {
    const store = createTokenStore({ now: Date.now });
    const seed = store.issue({ expiresIn: 3600 });
    const first = store.refresh(seed.refreshToken, opts);
    if (first.kind !== "refreshed") throw new Error("expected refresh");
    expect(store.refresh(seed.refreshToken, opts).kind).toBe("reused");
    expect(store.isRefreshTokenLive(first.grant.refreshToken!)).toBe(false);
    expect(store.isAccessTokenLive(first.grant.accessToken)).toBe(false);
    expect(store.refresh(first.grant.refreshToken!, opts).kind).toBe("family_revoked");
  });

  it("keeps the refresh token when rotation is off", () => {
    const store = createTokenStore({ now: Date.now });
    const seed = store.issue({ expiresIn: 3600 });
    const outcome = store.refresh(seed.refreshToken, { rotate: false, expiresIn: 60 });
    if (outcome.kind !== "refreshed") throw new Error("expected refresh");
    expect(outcome.grant.refreshToken).toBeUndefined();
    expect(store.isRefreshTokenLive(seed.refreshToken)).toBe(true);
    expect(store.refresh(seed.refreshToken, opts).kind).toBe("refreshed");
  });

  it("revoking a refresh token kills its access tokens; revoking an access token kills only it", () => {
    const store = createTokenStore({ now: Date.now });
    const a = store.issue({ expiresIn: 3600 });
    const b = store.issue({ expiresIn: 3600 });
    expect(store.revoke(b.accessToken)).toBe("access_token");
    expect(store.isAccessTokenLive(b.accessToken)).toBe(false);
    expect(store.isRefreshTokenLive(b.refreshToken)).toBe(true);
    expect(store.revoke(a.refreshToken)).toBe("refresh_token");
    expect(store.isAccessTokenLive(a.accessToken)).toBe(false);
    expect(store.revoke("nope")).toBe("unknown");
  });

  it("expires access tokens by the injected clock", () => {
    let now = 1_000_000;
    const store = createTokenStore({ now: () => now });
    const seed = store.issue({ expiresIn: 10 });
    expect(store.isAccessTokenLive(seed.accessToken)).toBe(true);
    now += 10_000;
    expect(store.isAccessTokenLive(seed.accessToken)).toBe(false);
  });

  it("redeems a code once and kills the grant when the code is replayed", () => {
    const store = createTokenStore({ now: Date.now });
    const code = store.issueCode({ subject: "alice", scope: "email" });
    const first = store.redeemCode(code, { expiresIn: 60 });
    if (first.kind !== "issued") throw new Error("expected issue");
    expect(first.grant).toMatchObject({ subject: "alice", scope: "email" });
    expect(store.redeemCode(code, { expiresIn: 60 }).kind).toBe("reused");
    expect(store.isRefreshTokenLive(first.grant.refreshToken!)).toBe(false);
    expect(store.redeemCode("not-a-code", { expiresIn: 60 }).kind).toBe("unknown");
    expect(store.redeemCode("code_anything", { expiresIn: 60 }).kind).toBe("issued");
  });

  it("clear forgets every token", () => {
    const store = createTokenStore({ now: Date.now });
    const seed = store.issue({ expiresIn: 60 });
    store.clear();
    expect(store.isRefreshTokenLive(seed.refreshToken)).toBe(false);
    expect(store.refresh(seed.refreshToken, opts).kind).toBe("unknown");
  });
});
