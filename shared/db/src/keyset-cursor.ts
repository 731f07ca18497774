import { createHmac, timingSafeEqual } from "node:crypto";
import { invalidArgument } from "@warden/errors";

/**
 * Opaque keyset cursors. A cursor carries the last row's sort key and what it
 * was issued for (list name + filters), MAC'd so a tampered, truncated or
 * foreign cursor (another list, other filters, another tenant) is rejected as
 * INVALID_ARGUMENT instead of silently mis-paging.
 */
export class CursorCodec {
  constructor(private readonly secret: Buffer) {}

  /** Encodes the position after `key` in the list identified by `context`. */
  encode(context: string, key: string[]): string {
    const body = Buffer.from(JSON.stringify(key)).toString("base64url");
    return `${body}.${this.mac(context, body)}`;
  }

  /** Decodes a cursor issued for `context`; empty input means "from the start". */
  decode(field: string, context: string, cursor: string): string[] | undefined {
    if (!cursor) return undefined;
    const dot = cursor.indexOf(".");
    if (dot <= 0 || cursor.length > 2048) throw invalidArgument(field, "is not a valid cursor");
    const body = cursor.slice(0, dot);
    const given = Buffer.from(cursor.slice(dot + 1), "base64url");
    const expected = Buffer.from(this.mac(context, body), "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw invalidArgument(field, "is not a valid cursor for this request");
    }
    const key: unknown = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    if (!Array.isArray(key) || !key.every((k) => typeof k === "string"))
      throw invalidArgument(field, "is not a valid cursor");
    return key as string[];
  }

  private mac(context: string, body: string): string {
    return createHmac("sha256", this.secret)
      .update(context)
      .update("\0")
      .update(body)
      .digest("base64url")
      .slice(0, 22);
  }
}

/** Clamps a requested page size into [1, max], with a default for 0. */
export function pageSize(requested: number, defaultSize = 100, max = 1000): number {
  if (!Number.isFinite(requested) || requested <= 0) return defaultSize;
  return Math.min(Math.floor(requested), max);
}

export interface KeysetPageRequest<Row> {
  cursors: CursorCodec;
  /** What the cursor is bound to: list name, tenant and filters. */
  context: string;
  cursor: string;
  pageSize: number;
  /** How many sort-key parts a valid cursor carries. */
  keyLength: number;
  /** Reads up to `limit` rows strictly after `after` (undefined: from the start), in sort order. */
  fetch: (after: string[] | undefined, limit: number) => Promise<Row[]>;
  /** The sort key of a row, as stored in the cursor. */
  keyOf: (row: Row) => string[];
}

/**
 * Reads one keyset page: decodes the cursor (INVALID_ARGUMENT naming `cursor`
 * if it is malformed, tampered, foreign or of the wrong shape), fetches one
 * row more than the page to learn whether another page follows, and encodes
 * the next cursor from the last row returned.
 */
export async function readKeysetPage<Row>(
  request: KeysetPageRequest<Row>,
): Promise<{ rows: Row[]; nextCursor: string }> {
  const after = request.cursors.decode("cursor", request.context, request.cursor);
  if (after && after.length !== request.keyLength) throw invalidArgument("cursor", "is not a valid cursor");
  const limit = pageSize(request.pageSize);
  const rows = await request.fetch(after, limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > limit && last ? request.cursors.encode(request.context, request.keyOf(last)) : "";
  return { rows: page, nextCursor };
}
