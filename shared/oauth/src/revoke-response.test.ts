import { describe, expect, it } from "vitest";
import { clientAuthentication } from "./client-authentication.js";
import { classifyRevokeAnswer, parseRetryAfter } from "./revoke-response.js";

const answer = (status: number, body: unknown = "", retryAfter?: string) => ({
  status,
  retryAfter,
  body: typeof body === "string" ? body : JSON.stringify(body),
});

describe("classifyRevokeAnswer", () => {
  it("treats 200 as revoked, unknown tokens included", () => {
    expect(classifyRevokeAnswer(answer(200), "rfc6749", [])).toEqual({ kind: "revoked" });
  });

  it("treats a Slack-style 200 with ok:false as a failure carrying the provider's code", () => {
    const outcome = classifyRevokeAnswer(answer(200, { ok: false, error: "invalid_auth" }), "slack", []);
    expect(outcome).toMatchObject({ kind: "failed", errorCode: "invalid_auth" });
    expect(classifyRevokeAnswer(answer(200, { ok: true, revoked: true }), "slack", [])).toEqual({
      kind: "revoked",
    });
  });

  it("retries 429 and 5xx honouring Retry-After", () => {
    expect(classifyRevokeAnswer(answer(429, { error: "rate_limited" }, "3"), "rfc6749", [])).toEqual({
      kind: "retry",
      errorCode: "rate_limited",
      status: 429,
      retryAfterMs: 3000,
    });
    expect(classifyRevokeAnswer(answer(503), "slack", [])).toMatchObject({
      kind: "retry",
      errorCode: "server_error",
    });
  });

  it("fails other 4xx at once with the provider's error code and a scrubbed, bounded description", () => {
    const outcome = classifyRevokeAnswer(
      answer(401, {
        error: "invalid_client",
        error_description: `bad secret s3cr3t-value\n${"x".repeat(500)}`,
      }),
      "rfc6749",
      ["s3cr3t-value"],
    );
    expect(outcome).toMatchObject({ kind: "failed", errorCode: "invalid_client", status: 401 });
    const description = (outcome as { errorDescription: string }).errorDescription;
    expect(description).not.toContain("s3cr3t-value");
    expect(description).not.toContain("\n");
    expect(description.length).toBeLessThanOrEqual(200);
  });

  it("never stores free text as an error code", () => {
    expect(classifyRevokeAnswer(answer(400, "<html>nope</html>"), "rfc6749", [])).toMatchObject({
      kind: "failed",
      errorCode: "http_400",
    });
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    expect(parseRetryAfter("2")).toBe(2000);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("soon")).toBeUndefined();
  });
});

describe("clientAuthentication", () => {
  it("uses HTTP Basic with form-encoded parts, or form fields for post", () => {
    const basic = clientAuthentication({ clientId: "id", clientSecret: "a:b c", method: "basic" });
    expect(Buffer.from(basic.headers.authorization!.slice(6), "base64").toString()).toBe("id:a%3Ab+c");
    expect(clientAuthentication({ clientId: "id", clientSecret: "s", method: "post" }).form).toEqual({
      client_id: "id",
      client_secret: "s",
    });
  });
});
