import { fileURLToPath } from "node:url";
import { startServiceProcess } from "@warden/testkit";
import { describe, expect, it } from "vitest";
import { loadGatewayConfig, publicUrlOf, sweeperUrlOf } from "./config.js";

const KEY = `k1:${Buffer.alloc(32, 1).toString("base64")}`;
const ADMIN = "admin-key-of-at-least-16";

describe("secure defaults: production refuses development fallbacks", () => {
  it.each([
    ["no encryption keys", { WARDEN_ADMIN_KEY: ADMIN }, "WARDEN_ENCRYPTION_KEYS"],
    [
      "empty encryption keys",
      { WARDEN_ADMIN_KEY: ADMIN, WARDEN_ENCRYPTION_KEYS: "" },
      "WARDEN_ENCRYPTION_KEYS",
    ],
    ["no admin key", { WARDEN_ENCRYPTION_KEYS: KEY }, "WARDEN_ADMIN_KEY"],
  ])("the gateway config refuses %s, naming the variable", (_name, env, variable) => {
    expect(() => loadGatewayConfig({ NODE_ENV: "production", ...env })).toThrow(
      new RegExp(`${variable}: must be set when NODE_ENV=production`),
    );
  });

  it("the gateway config accepts real keys in production, and anything in development", () => {
    expect(() =>
      loadGatewayConfig({ NODE_ENV: "production", WARDEN_ENCRYPTION_KEYS: KEY, WARDEN_ADMIN_KEY: ADMIN }),
    ).not.toThrow();
    expect(() => loadGatewayConfig({})).not.toThrow();
  });

  it("WARDEN_PUBLIC_URL must be https outside loopback, and defaults to the loopback gateway port", () => {
    expect(publicUrlOf(loadGatewayConfig({ WARDEN_GATEWAY_PORT: "7123" }))).toBe("http://127.0.0.1:7123");
    expect(publicUrlOf(loadGatewayConfig({ WARDEN_PUBLIC_URL: "https://warden.example.com/" }))).toBe(
      "https://warden.example.com",
    );
    expect(publicUrlOf(loadGatewayConfig({ WARDEN_PUBLIC_URL: "http://localhost:7070" }))).toBe(
      "http://localhost:7070",
    );
    expect(() => loadGatewayConfig({ WARDEN_PUBLIC_URL: "http://warden.example.com" })).toThrow(
      /WARDEN_PUBLIC_URL: must be https/,
    );
    expect(() => loadGatewayConfig({ WARDEN_PUBLIC_URL: "https://warden.example.com/?x=1" })).toThrow(
      /WARDEN_PUBLIC_URL: must not carry a query or fragment/,
    );
    expect(() => loadGatewayConfig({ WARDEN_PUBLIC_URL: "not a url" })).toThrow(
      /WARDEN_PUBLIC_URL: must be a URL/,
    );
  });

  it("WARDEN_SWEEPER_URL is an http(s) base URL, and defaults to the loopback sweeper port", () => {
    expect(sweeperUrlOf(loadGatewayConfig({}))).toBe("http://127.0.0.1:7072");
    expect(sweeperUrlOf(loadGatewayConfig({ WARDEN_SWEEPER_PORT: "7123" }))).toBe("http://127.0.0.1:7123");
    expect(sweeperUrlOf(loadGatewayConfig({ WARDEN_SWEEPER_URL: "http://sweeper:7072/" }))).toBe(
      "http://sweeper:7072",
    );
    expect(() => loadGatewayConfig({ WARDEN_SWEEPER_URL: "sweeper:7072" })).toThrow(
      /WARDEN_SWEEPER_URL: must be http or https/,
    );
    expect(() => loadGatewayConfig({ WARDEN_SWEEPER_URL: "no url at all" })).toThrow(
      /WARDEN_SWEEPER_URL: must be a URL/,
    );
    expect(() => loadGatewayConfig({ WARDEN_SWEEPER_URL: "http://sweeper:7072/#x" })).toThrow(
      /WARDEN_SWEEPER_URL: must not carry a query or fragment/,
    );
  });

  it("binds listeners to 127.0.0.1 unless WARDEN_BIND_HOST says otherwise", () => {
    expect(loadGatewayConfig({}).WARDEN_BIND_HOST).toBe("127.0.0.1");
    expect(loadGatewayConfig({ WARDEN_BIND_HOST: "0.0.0.0" }).WARDEN_BIND_HOST).toBe("0.0.0.0");
  });

  it.each([
    ["jobs-gateway", { WARDEN_ADMIN_KEY: ADMIN }],
    ["token-refresh", {}],
  ])(
    "a %s process started with NODE_ENV=production and empty WARDEN_ENCRYPTION_KEYS exits naming it",
    async (service, env) => {
      const child = startServiceProcess({
        entry: fileURLToPath(new URL(`../../${service}/src/main.ts`, import.meta.url)),
        name: `${service}-production`,
        env: { NODE_ENV: "production", WARDEN_ENCRYPTION_KEYS: "", ...env },
      });
      const code = await child.exited;
      expect(code).not.toBe(0);
      expect(child.logs().join("\n")).toContain("WARDEN_ENCRYPTION_KEYS");
    },
    60_000,
  );
});
