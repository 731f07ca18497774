import { describe, expect, it } from "vitest";
import { isForbiddenHost, parseProviderUrl } from "./provider-url.js";

describe("parseProviderUrl", () => {
  it("accepts https anywhere and plain http only on loopback", () => {
    expect(parseProviderUrl("token_url", "https://oauth.example.com/token")).toBe(
      "https://oauth.example.com/token",
    );
    expect(parseProviderUrl("token_url", "http://127.0.0.1:8080/token")).toBe("http://127.0.0.1:8080/token");
    expect(parseProviderUrl("token_url", "http://localhost:8080/token")).toBe("http://localhost:8080/token");
    expect(parseProviderUrl("token_url", "http://[::1]:8080/token")).toBe("http://[::1]:8080/token");
  });

  it.each([
    ["http://oauth.example.com/token", "https"],
    ["ftp://oauth.example.com/token", "https"],
    ["https://169.254.169.254/latest/meta-data", "link-local"],
    ["http://169.254.169.254/", "link-local"],
    ["https://169.254.10.1/", "link-local"],
    ["https://metadata.google.internal/computeMetadata", "cloud-metadata"],
    ["https://[fe80::1]/token", "link-local"],
    ["https://[::ffff:169.254.169.254]/", "link-local"],
    ["https://100.100.100.200/", "metadata"],
    ["https://user:pw@example.com/", "credentials"],
    ["not a url", "valid URL"],
    ["", "required"],
  ])("rejects %s naming the field", (url, why) => {
    expect(() => parseProviderUrl("revoke_url", url)).toThrow(
      expect.objectContaining({ kind: "invalid_argument", field: "revoke_url" }),
    );
    expect(() => parseProviderUrl("revoke_url", url)).toThrow(new RegExp(`revoke_url.*${why}`));
  });

  it("flags metadata hosts however they are spelled", () => {
    expect(isForbiddenHost("METADATA.google.internal.")).toBe(true);
    expect(isForbiddenHost("example.com")).toBe(false);
  });
});
