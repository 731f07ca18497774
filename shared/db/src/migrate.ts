import { Migrator, sql, type Kysely, type MigrationProvider } from "kysely";
import { MIGRATIONS } from "./migrations/index.js";

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/**
 * Creates the namespace's schema and applies every pending migration. Safe to
 * run from many replicas at once: a per-namespace advisory lock serialises
 * them, and the late ones find nothing to do.
 */
export async function migrateToLatest(db: Kysely<any>, namespace: string): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(db, namespace);
    } catch (error) {
      if (attempt >= 10 || !isOtherSchemaDroppedRace(error, namespace))
        throw error instanceof CatalogScanError ? error.cause : error;
    }
  }
}

/**
 * Kysely's Migrator checks for its tables by introspecting every schema of the
 * database, and that catalog scan fails when another namespace's schema is
 * created or dropped at the same moment (parallel test files, a teardown): a
 * schema, relation or column that vanished mid-scan, or a catalog row gone.
 * Our own schema is held by our advisory lock, so a scan that failed with a
 * "does not exist" error before any migration ran is simply run again. An error
 * raised by a migration itself is never retried.
 */
class CatalogScanError extends Error {}

const VANISHED_OBJECT_CODES = new Set(["3F000", "42P01", "42703"]);

function isOtherSchemaDroppedRace(error: unknown, namespace: string): boolean {
  if (!(error instanceof CatalogScanError)) return false;
  const { code, message } = (error.cause ?? {}) as { code?: string; message?: string };
  if (code === "3F000") return !String(message).includes(`"${namespace}"`);
  if (code !== undefined && VANISHED_OBJECT_CODES.has(code)) return true;
  return code === "XX000" && /cache lookup failed|could not open relation/.test(String(message));
}

async function migrateOnce(db: Kysely<any>, namespace: string): Promise<string[]> {
  return db.connection().execute(async (connection) => {
    const lockKey = `warden-migrate:${namespace}`;
    await sql`select pg_advisory_lock(hashtext(${lockKey}))`.execute(connection);
    try {
      await sql`create schema if not exists ${sql.id(namespace)}`.execute(connection);
      const migrator = new Migrator({ db: connection, provider, migrationTableSchema: namespace });
      const { error, results } = await migrator.migrateToLatest();
      // Kysely reports no results when it failed before running a migration: in its catalog scan.
      if (error) throw results === undefined ? new CatalogScanError(String(error), { cause: error }) : error;
      return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
    } finally {
      await sql`select pg_advisory_unlock(hashtext(${lockKey}))`.execute(connection);
    }
  });
}

/** Drops the namespace's schema and everything in it (tests and teardown only). */
export async function dropNamespaceSchema(db: Kysely<any>, namespace: string): Promise<void> {
  await sql`drop schema if exists ${sql.id(namespace)} cascade`.execute(db);
}
