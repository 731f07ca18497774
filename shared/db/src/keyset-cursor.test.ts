import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CursorCodec, pageSize } from "./keyset-cursor.js";

const codec = new CursorCodec(randomBytes(32));

describe("CursorCodec", () => {
  it("round-trips a keyset position for the same list", () => {
    const cursor = codec.encode("accounts:org_1:all", ["ca_123"]);
    expect(codec.decode("cursor", "accounts:org_1:all", cursor)).toEqual(["ca_123"]);
    expect(codec.decode("cursor", "accounts:org_1:all", "")).toBeUndefined();
  });

  it("rejects tampered, truncated and foreign cursors as INVALID_ARGUMENT naming the field", () => {
    const cursor = codec.encode("accounts:org_1:all", ["ca_123"]);
    const tampered =
      Buffer.from(JSON.stringify(["ca_999"])).toString("base64url") + cursor.slice(cursor.indexOf("."));
    for (const bad of [tampered, cursor.slice(0, -2), "garbage", "a.b"]) {
      expect(() => codec.decode("cursor", "accounts:org_1:all", bad)).toThrow(/cursor/);
    }
    expect(() => codec.decode("cursor", "accounts:org_2:all", cursor)).toThrow(
      expect.objectContaining({ kind: "invalid_argument" }),
    );
  });

  it("clamps page sizes", () => {
    expect(pageSize(0)).toBe(100);
    expect(pageSize(-5)).toBe(100);
    expect(pageSize(5000)).toBe(1000);
    expect(pageSize(20)).toBe(20);
  });
});
