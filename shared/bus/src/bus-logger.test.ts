import { describe, expect, it } from "vitest";
import { errorField, silentBusLogger } from "./bus-logger.js";

describe("bus logger", () => {
  it("the silent logger accepts every level", () => {
    for (const level of ["debug", "info", "warn", "error"] as const) {
      expect(() => silentBusLogger[level]({ a: 1 }, "ignored")).not.toThrow();
    }
  });

  it("errorField keeps the message and a string code only", () => {
    const error = Object.assign(new Error("timed out"), { code: "TIMEOUT" });
    expect(errorField(error)).toEqual({ err: { message: "timed out", code: "TIMEOUT" } });
    expect(errorField("plain")).toEqual({ err: { message: "plain" } });
  });
});
