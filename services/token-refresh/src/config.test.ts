import { describe, expect, it } from "vitest";
import { loadTokenRefreshConfig } from "./config.js";

describe("token-refresh config", () => {
  it("defaults to the documented ports and a lock that outlives the provider timeout", () => {
    const config = loadTokenRefreshConfig({});
    expect(config).toMatchObject({
      WARDEN_TOKENS_PORT: 7071,
      WARDEN_PROBE_PORT: 9472,
      WARDEN_ACCOUNT_FAILURE_TTL_MS: 3_600_000,
    });
    expect(config.WARDEN_REFRESH_LOCK_TTL_MS).toBeGreaterThan(config.WARDEN_PROVIDER_TIMEOUT_MS);
  });

  it("refuses a refresh lock that could expire while the provider call may still run, naming the variable", () => {
    expect(() =>
      loadTokenRefreshConfig({ WARDEN_REFRESH_LOCK_TTL_MS: "5000", WARDEN_PROVIDER_TIMEOUT_MS: "5000" }),
    ).toThrow(/WARDEN_REFRESH_LOCK_TTL_MS/);
  });
});

describe("token-refresh config in production", () => {
  it.each([
    ["missing", {}],
    ["empty", { WARDEN_ENCRYPTION_KEYS: "" }],
    ["blank", { WARDEN_ENCRYPTION_KEYS: "  " }],
  ])("refuses %s WARDEN_ENCRYPTION_KEYS, naming the variable", (_name, env) => {
    expect(() => loadTokenRefreshConfig({ NODE_ENV: "production", ...env })).toThrow(
      /WARDEN_ENCRYPTION_KEYS: must be set when NODE_ENV=production/,
    );
  });

  it("still allows a development start without keys", () => {
    expect(loadTokenRefreshConfig({}).WARDEN_ENCRYPTION_KEYS).toBeUndefined();
  });
});
