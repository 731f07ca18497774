import type { Database } from "@warden/db";
import { sql, type Kysely } from "kysely";
import { Gauge, type Registry } from "prom-client";

/**
 * Registers `warden_outbox_pending` (events committed, not yet acked by
 * JetStream) and `warden_outbox_lag_seconds` (age of the oldest of them, 0
 * when none), read from the outbox at scrape time so every replica reports the
 * namespace's truth. A scrape while PostgreSQL is down keeps the last values.
 */
export function registerOutboxMetrics(registry: Registry, db: Kysely<Database>): void {
  let last: Promise<{ pending: number; lag: number }> | undefined;
  // Both gauges are collected in one scrape; one query serves them.
  const read = () => {
    last ??= sql<{ pending: number; lag: number }>`
      select coalesce(sum(cardinality(event_ids)), 0)::int as pending,
             coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as lag
        from outbox_batches`
      .execute(db)
      .then((result) => result.rows[0]!)
      .finally(() => setTimeout(() => (last = undefined), 100).unref());
    return last;
  };
  new Gauge({
    name: "warden_outbox_pending",
    help: "Events committed to the outbox and not yet acknowledged by JetStream.",
    registers: [registry],
    async collect() {
      const values = await read().catch(() => undefined);
      if (values) this.set(values.pending);
    },
  });
  new Gauge({
    name: "warden_outbox_lag_seconds",
    help: "Age of the oldest event in the outbox (0 when it is empty).",
    registers: [registry],
    async collect() {
      const values = await read().catch(() => undefined);
      if (values) this.set(values.lag);
    },
  });
}
