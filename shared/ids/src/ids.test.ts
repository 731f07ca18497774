import { describe, expect, it } from "vitest";
import { isWardenError } from "@warden/errors";
import { isId, newId, parseId } from "./ids.js";

describe("ids", () => {
  it("new ids carry their kind's prefix and are unique", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId("account")));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^ca_[0-9a-z]{26}$/);
  });

  it("a job id's prefix encodes its class", () => {
    expect(isId(newId("orgJob"), "orgJob")).toBe(true);
    expect(isId(newId("orgJob"), "projectJob")).toBe(false);
    expect(isId(newId("projectJob"), "orgJob", "projectJob")).toBe(true);
  });

  it("parseId rejects empty, malformed and wrong-prefix ids naming the field", () => {
    for (const bad of ["", "ca_", "ca_short", `prj_${"a".repeat(26)}`, `ca_${"A".repeat(26)}`, "garbage"]) {
      try {
        parseId("account_id", bad, "account");
        expect.unreachable();
      } catch (error) {
        expect(isWardenError(error) && error.kind).toBe("invalid_argument");
        expect((error as Error).message).toContain("account_id");
      }
    }
    const good = newId("account");
    expect(parseId("account_id", good, "account")).toBe(good);
  });
});
