import { createDatabase, dropNamespaceSchema, migrateToLatest, type DatabaseHandle } from "@warden/db";
import { testNamespace } from "@warden/testkit";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTaskLagMetric, TASK_LAG_METRIC } from "./task-lag-metric.js";

const namespace = testNamespace("tasklag");
let database: DatabaseHandle;

beforeAll(async () => {
  database = createDatabase({
    url: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
    namespace,
    maxConnections: 2,
  });
  await migrateToLatest(database.db, namespace);
});

afterAll(async () => {
  await dropNamespaceSchema(database.db, namespace).catch(() => undefined);
  await database.close();
});

describe("warden_sweeper_task_lag_seconds", () => {
  it("shows, on each scrape, how long ago each task last ran on any replica", async () => {
    const ranAt = new Date(Date.now() - 120_000);
    await database.db
      .insertInto("sweeper_tasks")
      .values([
        { name: "expire_leases", last_run_at: ranAt },
        { name: "never_ran", last_run_at: null },
      ])
      .execute();
    const registry = new Registry();
    registerTaskLagMetric(registry, database.db);
    const values = (await registry.getSingleMetric(TASK_LAG_METRIC)!.get()).values;
    expect(values.map((v) => v.labels.task)).toEqual(["expire_leases"]);
    expect(values[0]!.value).toBeGreaterThanOrEqual(120);
    expect(values[0]!.value).toBeLessThan(600);
  });
});
