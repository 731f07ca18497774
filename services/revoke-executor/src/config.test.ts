import { describe, expect, it } from "vitest";
import { loadExecutorConfig } from "./config.js";

describe("revoke-executor config", () => {
  it("refuses missing or empty WARDEN_ENCRYPTION_KEYS in production, naming the variable", () => {
    for (const env of [{}, { WARDEN_ENCRYPTION_KEYS: "" }])
      expect(() => loadExecutorConfig({ NODE_ENV: "production", ...env })).toThrow(
        /WARDEN_ENCRYPTION_KEYS: must be set when NODE_ENV=production/,
      );
  });

  it("binds its probes to 127.0.0.1 unless WARDEN_BIND_HOST says otherwise", () => {
    expect(loadExecutorConfig({}).WARDEN_BIND_HOST).toBe("127.0.0.1");
  });
});
