import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { createDatabase } from "./create-database.js";
import { dropNamespaceSchema, migrateToLatest } from "./migrate.js";
import * as outboxBatches from "./migrations/2026_11_30_0017_outbox_batches.js";

const url = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const namespace = `dbo_${randomBytes(4).toString("hex")}`;
const handle = createDatabase({ url, namespace, maxConnections: 2 });

afterAll(async () => {
  await dropNamespaceSchema(handle.db, namespace);
  await handle.close();
});

const payload = (text: string) => Buffer.from(text, "utf8");

describe("migration 0017 (outbox rows per transaction)", () => {
  it("folds per-event rows into batches and back without losing or reordering an event", async () => {
    await migrateToLatest(handle.db, namespace);
    const db = handle.db;
    await sql`insert into outbox_batches (event_ids, subjects, payload_sizes, payloads)
              values (${["a", "b", "c"]}::text[], ${["s.a", "s.b", "s.c"]}::text[], ${[1, 0, 3]}::int[],
                      ${Buffer.concat([payload("A"), payload("CCC")])}::bytea),
                     (${["d"]}::text[], ${["s.d"]}::text[], ${[2]}::int[], ${payload("DD")}::bytea)`.execute(
      db,
    );

    await db.transaction().execute((trx) => outboxBatches.down(trx));
    const perEvent = await sql<{ event_id: string; subject: string; payload: Buffer }>`
      select event_id, subject, payload from outbox_events order by id`.execute(db);
    expect(perEvent.rows.map((r) => [r.event_id, r.subject, r.payload.toString()])).toEqual([
      ["a", "s.a", "A"],
      ["b", "s.b", ""],
      ["c", "s.c", "CCC"],
      ["d", "s.d", "DD"],
    ]);

    await db.transaction().execute((trx) => outboxBatches.up(trx));
    const batches = await sql<{ event_ids: string[]; payload_sizes: number[]; payloads: Buffer }>`
      select event_ids, payload_sizes, payloads from outbox_batches order by id`.execute(db);
    expect(batches.rows.map((r) => [r.event_ids, r.payload_sizes, r.payloads.toString()])).toEqual([
      [["a"], [1], "A"],
      [["b"], [0], ""],
      [["c"], [3], "CCC"],
      [["d"], [2], "DD"],
    ]);
    const legacy = await sql<{
      name: string | null;
    }>`select to_regclass('outbox_events')::text as name`.execute(db);
    expect(legacy.rows[0]!.name).toBeNull();
  });
});
