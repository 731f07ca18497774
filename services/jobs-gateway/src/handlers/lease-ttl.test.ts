import { describe, expect, it } from "vitest";
import { MAX_LEASE_TTL_MS, parseLeaseTtl } from "./lease-ttl.js";

describe("parseLeaseTtl", () => {
  it.each([
    ["45m", 45 * 60_000],
    ["24h", 24 * 3_600_000],
    ["7d", 7 * 86_400_000],
    ["1m", 60_000],
    ["30d", MAX_LEASE_TTL_MS],
    ["720h", MAX_LEASE_TTL_MS],
    ["43200m", MAX_LEASE_TTL_MS],
  ])("reads %s as %i ms", (ttl, ms) => {
    expect(parseLeaseTtl(ttl)).toBe(ms);
  });

  it.each([
    "0h",
    "0m",
    "31d",
    "721h",
    "43201m",
    "abc",
    "-5m",
    "-1d",
    "",
    " ",
    "5",
    "h",
    "1.5h",
    "5s",
    "1w",
    "1h30m",
    "5H",
    "99999999d",
  ])("refuses %j as INVALID_ARGUMENT naming the field ttl", (ttl) => {
    let thrown: unknown;
    try {
      parseLeaseTtl(ttl);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ kind: "invalid_argument", field: "ttl" });
    expect((thrown as Error).message).toMatch(/^ttl /);
  });
});
