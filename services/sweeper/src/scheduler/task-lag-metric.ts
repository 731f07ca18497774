import type { Database } from "@warden/db";
import { sql, type Kysely } from "kysely";
import { Gauge, type Registry } from "prom-client";

/** Seconds since each task last ran on any replica, read on scrape. */
export const TASK_LAG_METRIC = "warden_sweeper_task_lag_seconds";

/**
 * Registers `warden_sweeper_task_lag_seconds{task}`, computed on scrape from
 * sweeper_tasks (one row per task, so the read is cheap) whatever replica ran
 * the task; a database that does not answer within `timeoutMs` leaves the
 * gauge empty for that scrape instead of failing /metrics.
 */
export function registerTaskLagMetric(registry: Registry, db: Kysely<Database>, timeoutMs = 1_000): void {
  if (registry.getSingleMetric(TASK_LAG_METRIC) !== undefined) return;
  new Gauge({
    name: TASK_LAG_METRIC,
    help: "Seconds since the task last ran on any replica (a task that never ran is absent).",
    labelNames: ["task"],
    registers: [registry],
    async collect() {
      this.reset();
      let timer: NodeJS.Timeout | undefined;
      const rows = await Promise.race([
        db
          .selectFrom("sweeper_tasks")
          .select(["name", sql<number>`extract(epoch from now() - last_run_at)`.as("lag")])
          .where("last_run_at", "is not", null)
          .execute()
          .catch(() => undefined),
        new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs))),
      ]).finally(() => clearTimeout(timer));
      for (const row of rows ?? []) this.set({ task: row.name }, Math.max(0, Number(row.lag)));
    },
  });
}
