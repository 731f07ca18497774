import type { Database } from "@warden/db";
import { waitFor } from "@warden/testkit";
import { sql, type Kysely } from "kysely";

const AUTOVACUUM_WAIT_MS = 120_000;

/**
 * Puts PostgreSQL in the same state before each build's timed phase, so the
 * second phase is not charged for the first one's aftermath: the seeded
 * accounts analyzed (not left to an autovacuum that may start mid-run), no
 * autovacuum worker still busy with another schema, and a fresh checkpoint (the
 * first write to each page after a checkpoint logs the whole page, so a
 * checkpoint landing inside one phase and not the other tilts their CPU).
 * Measured before this: the same build against itself read ×0.85 rate and
 * ×1.18 CPU per item for whichever phase ran second.
 */
export async function levelDatabase(db: Kysely<Database>): Promise<void> {
  await sql`analyze connected_accounts`.execute(db);
  // Bounded: a worker still busy after this long is left to run rather than stall the bench.
  await waitFor(
    async () => {
      const { rows } = await sql<{ workers: number }>`
        select count(*)::int as workers from pg_stat_activity where backend_type = 'autovacuum worker'`.execute(
        db,
      );
      return rows[0]!.workers === 0;
    },
    { message: "autovacuum workers to finish", timeoutMs: AUTOVACUUM_WAIT_MS, intervalMs: 500 },
  ).catch(() => undefined);
  // Superuser or pg_checkpoint only: without the right, the phases run without this one step.
  await sql`checkpoint`.execute(db).catch(() => undefined);
}
