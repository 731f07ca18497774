import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { createDatabase } from "./create-database.js";
import { dropNamespaceSchema, migrateToLatest } from "./migrate.js";
import { MIGRATIONS } from "./migrations/index.js";

const url = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const namespace = `dbt_${randomBytes(4).toString("hex")}`;
const handles = Array.from({ length: 5 }, () => createDatabase({ url, namespace }));

afterAll(async () => {
  await dropNamespaceSchema(handles[0]!.db, namespace);
  await Promise.all(handles.map((h) => h.close()));
});

describe("migrateToLatest", () => {
  it("applies the schema once when five replicas migrate at the same moment", async () => {
    const applied = await Promise.all(handles.map((h) => migrateToLatest(h.db, namespace)));
    // Each migration exactly once, whichever replica applied it.
    expect(applied.flat().sort()).toEqual(Object.keys(MIGRATIONS).sort());
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = ${namespace} order by table_name`.execute(
      handles[0]!.db,
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining([
        "orgs",
        "projects",
        "api_keys",
        "auth_configs",
        "connected_accounts",
        "revoke_jobs",
        "revoke_items",
        "leases",
      ]),
    );
  });

  it("migrates while other namespaces' schemas are created and dropped around it", async () => {
    // Parallel test files drop their schemas whenever they finish; kysely's
    // Migrator scans every schema's catalog and used to fail on one vanishing.
    const churn = handles[1]!.db; // a pool of ten: the three droppers run side by side
    let stop = false;
    const dropper = async (d: number) => {
      for (let i = 0; !stop; i++) {
        const other = `${namespace}_churn_${d}_${i}`;
        await sql`create schema ${sql.id(other)}`.execute(churn);
        for (let t = 0; t < 20; t++)
          await sql`create table ${sql.id(other, `t${t}`)} (id serial primary key, v text)`.execute(churn);
        await dropNamespaceSchema(churn, other);
      }
    };
    const droppers = [0, 1, 2].map(dropper);
    try {
      for (let i = 0; i < 12; i++) {
        const fresh = createDatabase({ url, namespace: `${namespace}_fresh_${i}`, maxConnections: 1 });
        try {
          await migrateToLatest(fresh.db, fresh.namespace);
        } finally {
          await dropNamespaceSchema(fresh.db, fresh.namespace);
          await fresh.close();
        }
      }
    } finally {
      stop = true;
      await Promise.all(droppers);
    }
  });

  it("queries run inside the namespace's schema", async () => {
    await handles[1]!.db.insertInto("orgs").values({ id: "org_x", name: "x" }).execute();
    const rows = await sql<{ n: number }>`select count(*)::int as n from ${sql.id(namespace)}.orgs`.execute(
      handles[2]!.db,
    );
    expect(rows.rows[0]!.n).toBe(1);
  });

  it("the database refuses a second in-flight job for one scope", async () => {
    const { db } = handles[0]!;
    const job = (id: string) => ({
      id,
      org_id: "org_x",
      scope_kind: "project" as const,
      scope_id: "prj_1",
      status: "running" as const,
    });
    await db.insertInto("revoke_jobs").values(job("pj_1")).execute();
    await expect(db.insertInto("revoke_jobs").values(job("pj_2")).execute()).rejects.toMatchObject({
      code: "23505",
    });
    await db.updateTable("revoke_jobs").set({ status: "completed" }).where("id", "=", "pj_1").execute();
    await db.insertInto("revoke_jobs").values(job("pj_3")).execute();
  });
});
