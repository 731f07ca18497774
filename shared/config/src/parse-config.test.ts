import { describe, expect, it } from "vitest";
import { z } from "zod";
import { baseVariables, portVariable, requiredInProduction } from "./common-variables.js";
import { ConfigError, parseConfig } from "./parse-config.js";

const schema = z.object({ ...baseVariables, WARDEN_GATEWAY_PORT: portVariable(7070) });

describe("parseConfig", () => {
  it("applies the documented defaults", () => {
    const config = parseConfig(schema, {});
    expect(config.WARDEN_NAMESPACE).toBe("warden");
    expect(config.DATABASE_URL).toBe("postgres://postgres@127.0.0.1:5432/postgres");
    expect(config.REDIS_URL).toBe("redis://127.0.0.1:6379");
    expect(config.NATS_URL).toEqual(["nats://127.0.0.1:4222"]);
    expect(config.WARDEN_GATEWAY_PORT).toBe(7070);
  });

  it("splits a comma-separated NATS cluster", () => {
    const config = parseConfig(schema, { NATS_URL: "nats://a:4222, nats://b:4222" });
    expect(config.NATS_URL).toEqual(["nats://a:4222", "nats://b:4222"]);
  });

  it("fails loud naming every bad variable without echoing its value", () => {
    let error: unknown;
    try {
      parseConfig(schema, {
        WARDEN_NAMESPACE: "Bad-Name",
        DATABASE_URL: "mysql://secretpw@x",
        WARDEN_GATEWAY_PORT: "x",
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain("WARDEN_NAMESPACE");
    expect(message).toContain("DATABASE_URL");
    expect(message).toContain("WARDEN_GATEWAY_PORT");
    expect(message).not.toContain("secretpw");
  });
});

describe("requiredInProduction", () => {
  const guarded = z
    .object({ ...baseVariables, WARDEN_ADMIN_KEY: z.string().optional() })
    .superRefine(requiredInProduction(["WARDEN_ADMIN_KEY"]));

  it("names a missing or empty variable when NODE_ENV=production", () => {
    expect(() => parseConfig(guarded, { NODE_ENV: "production" })).toThrow(
      /WARDEN_ADMIN_KEY: must be set when NODE_ENV=production/,
    );
    expect(() => parseConfig(guarded, { NODE_ENV: "production", WARDEN_ADMIN_KEY: "" })).toThrow(ConfigError);
  });

  it("lets development run without it, bound to loopback", () => {
    const config = parseConfig(guarded, {});
    expect(config.WARDEN_ADMIN_KEY).toBeUndefined();
    expect(config.WARDEN_BIND_HOST).toBe("127.0.0.1");
  });
});
