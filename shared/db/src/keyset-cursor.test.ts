import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CursorCodec, pageSize, readKeysetPage } from "./keyset-cursor.js";

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

describe("readKeysetPage", () => {
  const rows = Array.from({ length: 25 }, (_, i) => ({ id: `r${String(i).padStart(2, "0")}` }));
  const fetch = async (after: string[] | undefined, limit: number) =>
    rows.filter((r) => !after || r.id > after[0]!).slice(0, limit);
  const read = (cursor: string, context = "list") =>
    readKeysetPage({
      cursors: codec,
      context,
      cursor,
      pageSize: 10,
      keyLength: 1,
      fetch,
      keyOf: (r) => [r.id],
    });

  it("walks every row exactly once and ends with an empty cursor", async () => {
    const seen: string[] = [];
    let cursor = "";
    let pages = 0;
    do {
      const page = await read(cursor);
      seen.push(...page.rows.map((r) => r.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual(rows.map((r) => r.id));
    expect(pages).toBe(3);
  });

  it("refuses a cursor of another list or of the wrong shape", async () => {
    const { nextCursor } = await read("");
    await expect(read(nextCursor, "other")).rejects.toMatchObject({
      kind: "invalid_argument",
      field: "cursor",
    });
    const twoPart = codec.encode("list", ["a", "b"]);
    await expect(read(twoPart)).rejects.toMatchObject({ kind: "invalid_argument", field: "cursor" });
  });
});
