import { describe, expect, it } from "vitest";
import { parseCliArgs } from "./cli-args.js";

describe("parseCliArgs", () => {
  it("maps every flag onto provider options", () => {
    const command = parseCliArgs([
      "--port=8089",
      "--host",
      "0.0.0.0",
      "--client-id=c",
      "--client-secret=s",
      "--latency-ms=5",
      "--rate-5xx=0.1",
      "--rate-429=0.2",
      "--retry-after=3",
      "--expires-in=60",
      "--slack",
      "--no-rotate",
      "--omit-expires-in",
      "--seed=9",
      "--no-per-token-counts",
    ]);
    expect(command).toEqual({
      kind: "start",
      options: {
        port: 8089,
        host: "0.0.0.0",
        clientId: "c",
        clientSecret: "s",
        latencyMs: 5,
        rate5xx: 0.1,
        rate429: 0.2,
        retryAfterSeconds: 3,
        expiresIn: 60,
        responseStyle: "slack",
        rotateRefreshTokens: false,
        omitExpiresIn: true,
        seed: 9,
        countRefreshesPerToken: false,
      },
    });
  });

  it("leaves unset flags out so defaults apply", () => {
    expect(parseCliArgs([])).toEqual({ kind: "start", options: {} });
    expect(parseCliArgs(["--help"])).toEqual({ kind: "help" });
  });

  it("accepts the `--` that `pnpm start -- …` forwards", () => {
    expect(parseCliArgs(["--", "--port", "0", "--slack"])).toEqual({
      kind: "start",
      options: { port: 0, responseStyle: "slack" },
    });
  });

  it("refuses unknown flags and non-numbers, naming them", () => {
    expect(() => parseCliArgs(["--rate=1"])).toThrow(/rate/);
    expect(() => parseCliArgs(["--latency-ms=fast"])).toThrow(/--latency-ms/);
  });
});
