import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import type { Database } from "./database.js";
import { NamingClient } from "./named-statements.js";

export interface DatabaseOptions {
  url: string;
  /** WARDEN_NAMESPACE: the Postgres schema every query runs in. */
  namespace: string;
  maxConnections?: number;
  /** How long to wait for a connection before failing (fail closed, never hang). */
  connectTimeoutMs?: number;
  /** Server-side cap on one statement. */
  statementTimeoutMs?: number;
  /** What pg_stat_activity shows for its connections; `warden:<namespace>` unless set. */
  applicationName?: string;
  /** Called when an idle pooled connection dies (e.g. PostgreSQL restarted). */
  onPoolError?: (error: Error) => void;
}

export interface DatabaseHandle {
  db: Kysely<Database>;
  pool: pg.Pool;
  namespace: string;
  /** Resolves when PostgreSQL answers a trivial query; for /readyz. */
  checkReady(): Promise<void>;
  close(): Promise<void>;
}

// Parse int8 as JS numbers: every int8 Warden reads (counts) fits easily.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/**
 * Opens a pool whose every connection runs in the namespace's schema, with
 * bounded connect and statement timeouts so a dead database fails calls
 * quickly instead of hanging them. Opens no connection until first use.
 */
export function createDatabase(options: DatabaseOptions): DatabaseHandle {
  const pool = new pg.Pool({
    // Sends the statements run through executeNamed as named prepared statements.
    Client: NamingClient,
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 3000,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    options: `-c search_path=${options.namespace}`,
    application_name: options.applicationName ?? `warden:${options.namespace}`,
  });
  // Without listeners a connection error (PostgreSQL restarting) would crash
  // the process: idle clients report through the pool, checked-out ones emit
  // on themselves while their query also fails, which is where callers see it.
  pool.on("error", (error) => options.onPoolError?.(error));
  pool.on("connect", (client) => client.on("error", () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    pool,
    namespace: options.namespace,
    async checkReady() {
      await sql`select 1`.execute(db);
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
