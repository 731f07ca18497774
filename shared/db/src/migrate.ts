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
      if (attempt >= 10 || !isOtherSchemaDroppedRace(error, namespace)) throw error;
    }
  }
}

/**
 * Kysely's Migrator checks for its tables by introspecting every schema of the
 * database, and that catalog scan fails when another namespace's schema is
 * dropped at the same moment (parallel test files, a teardown): `schema "<other>"
 * does not exist`, or a relation whose catalog row vanished mid-scan. Nothing of
 * ours was touched, so the scan is simply run again.
 */
function isOtherSchemaDroppedRace(error: unknown, namespace: string): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (code === "3F000") return !String(message).includes(`"${namespace}"`);
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
      if (error) throw error;
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
