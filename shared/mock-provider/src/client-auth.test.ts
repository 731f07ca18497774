import { describe, expect, it } from "vitest";
import type { RegisteredClient } from "./client-auth.js";
import { authenticateClient } from "./client-auth.js";

const client: RegisteredClient = {
  clientId: "my app",
  clientSecret: "s:e/c+r",
  methods: ["client_secret_basic", "client_secret_post"],
};
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
const enc = (s: string) => encodeURIComponent(s).replaceAll("%20", "+");

describe("authenticateClient", () => {
  it("accepts Basic with form-encoded id and secret (RFC 6749 §2.3.1)", () => {
    expect(authenticateClient(basic(enc("my app"), enc("s:e/c+r")), new URLSearchParams(), client)).toEqual({
      ok: true,
      method: "client_secret_basic",
    });
  });

  it("accepts form parameters", () => {
    const form = new URLSearchParams({ client_id: "my app", client_secret: "s:e/c+r" });
    expect(authenticateClient(undefined, form, client)).toEqual({ ok: true, method: "client_secret_post" });
  });

  it("names why authentication failed", () => {
    const none = new URLSearchParams();
    expect(authenticateClient(undefined, none, client)).toMatchObject({ ok: false, reason: "missing" });
    expect(authenticateClient("Bearer x", none, client)).toMatchObject({ ok: false, reason: "malformed" });
    expect(authenticateClient(basic("other", "x"), none, client)).toMatchObject({ reason: "unknown_client" });
    expect(authenticateClient(basic(enc("my app"), "wrong"), none, client)).toMatchObject({
      reason: "bad_secret",
      usedBasic: true,
    });
  });

  it("refuses a method the provider does not accept", () => {
    const postOnly = { ...client, methods: ["client_secret_post"] as const };
    expect(
      authenticateClient(basic(enc("my app"), enc("s:e/c+r")), new URLSearchParams(), postOnly),
    ).toMatchObject({
      ok: false,
      reason: "method_not_allowed",
    });
  });
});
