import { describe, expect, it } from "vitest";
import { classifyInfrastructureError } from "./classify-infrastructure-error.js";

function errorWith(message: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), fields);
}

describe("classifyInfrastructureError", () => {
  it.each([
    [
      "pg admin shutdown",
      errorWith("terminating connection due to administrator command", { code: "57P01" }),
      "postgres",
    ],
    ["pg connection failure", errorWith("connection failure", { code: "08006" }), "postgres"],
    ["pg too many connections", errorWith("sorry, too many clients already", { code: "53300" }), "postgres"],
    ["pg lost connection", errorWith("Connection terminated unexpectedly"), "postgres"],
    ["pg pool connect timeout", errorWith("timeout exceeded when trying to connect"), "postgres"],
    ["ioredis closed", errorWith("Connection is closed."), "redis"],
    [
      "ioredis retries",
      errorWith("Reached the max retries per request limit (which is 1).", {
        name: "MaxRetriesPerRequestError",
      }),
      "redis",
    ],
    [
      "ioredis offline queue off",
      errorWith("Stream isn't writeable and enableOfflineQueue options is false"),
      "redis",
    ],
    ["nats closed", errorWith("CONNECTION_CLOSED", { name: "NatsError", code: "CONNECTION_CLOSED" }), "nats"],
    ["nats timeout", errorWith("TIMEOUT", { name: "NatsError", code: "TIMEOUT" }), "nats"],
    ["nats disconnect", errorWith("DISCONNECT", { name: "NatsError", code: "DISCONNECT" }), "nats"],
    ["nats no responders", errorWith("503", { name: "NatsError", code: "503" }), "nats"],
    ["refused socket", errorWith("connect ECONNREFUSED 127.0.0.1:5432", { code: "ECONNREFUSED" }), "network"],
    ["timed out socket", errorWith("connect ETIMEDOUT", { code: "ETIMEDOUT" }), "network"],
  ])("recognises %s", (_name, error, dependency) => {
    expect(classifyInfrastructureError(error)?.dependency).toBe(dependency);
  });

  it("looks through causes and AggregateErrors", () => {
    const refused = errorWith("connect ECONNREFUSED ::1:6379", { code: "ECONNREFUSED" });
    expect(classifyInfrastructureError(new AggregateError([refused], "all failed"))?.reason).toBe(
      "ECONNREFUSED",
    );
    const wrapped = new Error("query failed", { cause: errorWith("Connection terminated") });
    expect(classifyInfrastructureError(wrapped)?.dependency).toBe("postgres");
  });

  it("leaves ordinary bugs and domain database errors alone", () => {
    expect(classifyInfrastructureError(new TypeError("x is undefined"))).toBeUndefined();
    expect(classifyInfrastructureError(errorWith("duplicate key", { code: "23505" }))).toBeUndefined();
    expect(
      classifyInfrastructureError(errorWith("bad subject", { name: "NatsError", code: "BAD_SUBJECT" })),
    ).toBeUndefined();
    expect(classifyInfrastructureError("a string")).toBeUndefined();
  });

  it("never puts the raw message (which may hold a connection string) in the reason", () => {
    const error = errorWith("Connection terminated: postgres://user:hunter2@db/x");
    expect(JSON.stringify(classifyInfrastructureError(error))).not.toContain("hunter2");
  });
});
