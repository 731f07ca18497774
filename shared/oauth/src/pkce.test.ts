import { describe, expect, it } from "vitest";
import { createOAuthState, createPkcePair, hashOAuthState, pkceChallengeOf } from "./pkce.js";

describe("PKCE and state", () => {
  it("computes the S256 challenge of RFC 7636's Appendix B example", () => {
    expect(pkceChallengeOf("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe(
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
  });

  it("makes fresh 43-character verifiers whose challenge matches, and never repeats a state", () => {
    const pair = createPkcePair();
    expect(pair.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pair.challenge).toBe(pkceChallengeOf(pair.verifier));
    expect(pair.method).toBe("S256");
    const states = new Set(Array.from({ length: 100 }, createOAuthState));
    expect(states.size).toBe(100);
    const [state] = states;
    expect(hashOAuthState(state!)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashOAuthState(state!)).not.toContain(state!);
  });
});
