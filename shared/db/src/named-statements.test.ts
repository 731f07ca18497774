import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { createDatabase } from "./create-database.js";
import { executeNamed } from "./named-statements.js";

const url = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
// One connection, so every execution and the pg_prepared_statements read share it.
const handle = createDatabase({ url, namespace: `dbt_${randomBytes(4).toString("hex")}`, maxConnections: 1 });

afterAll(() => handle.close());

const lengths = (ids: string[]) =>
  sql<{ n: number }>`select count(*)::int as n from unnest(${ids}::text[]) as k(id) where k.id <> ''`;

describe("executeNamed", () => {
  it("prepares the statement once per connection and settles on a reused generic plan", async () => {
    for (let i = 1; i <= 8; i++) {
      const ids = Array.from({ length: i * 10 }, (_, j) => `id-${j}`);
      const result = await executeNamed(handle.db, "test_named_lengths", lengths(ids));
      expect(result.rows[0]?.n).toBe(ids.length);
    }
    const prepared = await sql<{ generic_plans: number; custom_plans: number }>`
      select generic_plans, custom_plans from pg_prepared_statements where name = 'test_named_lengths'`.execute(
      handle.db,
    );
    expect(prepared.rows).toHaveLength(1);
    // PostgreSQL tries custom plans first (5), then keeps the generic one: no planning per execution.
    expect(prepared.rows[0]!.generic_plans).toBeGreaterThan(0);
  });

  it("runs inside the transaction it is given", async () => {
    await handle.db.transaction().execute(async (trx) => {
      await sql`select set_config('warden.test_marker', 'inside', true)`.execute(trx);
      const result = await executeNamed(
        trx,
        "test_named_marker",
        sql<{ marker: string }>`select current_setting('warden.test_marker', true) as marker`,
      );
      expect(result.rows[0]?.marker).toBe("inside");
    });
  });

  it("refuses a second text under a name already used", async () => {
    await executeNamed(handle.db, "test_named_once", sql`select 1 as one`);
    await expect(executeNamed(handle.db, "test_named_once", sql`select 2 as two`)).rejects.toThrow(
      /different text/,
    );
  });
});
