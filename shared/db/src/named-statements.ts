import type { Kysely, QueryResult, RawBuilder } from "kysely";
import pg from "pg";
import type { Database } from "./database.js";

// Why this exists: PostgreSQL plans an unnamed statement afresh on every execution, and
// the executor's hottest statements (the ledger write, the item context read) spend more
// time in the planner than in execution (measured ~1 ms of planning per ledger batch).
// A named prepared statement is parsed once per connection and, with a constant text and
// array parameters, settles on a generic plan that every later execution reuses. Kysely
// cannot name a statement (its pg driver calls `client.query(text, values)`), so the
// name travels beside the text: `executeNamed` records text → name here, and the pool's
// client class (`NamingClient`) sends any recorded text as a named statement. The
// statement still runs through Kysely, on the connection of the transaction it is
// given, with its plugins and result handling.
const namesByText = new Map<string, string>();
const textsByName = new Map<string, string>();

/**
 * Executes `query` as the named prepared statement `name` on `db`'s connection (a
 * transaction's, when `db` is one). The compiled text must be the same on every call
 * (interpolate values, never SQL fragments that vary): one name, one text.
 */
export async function executeNamed<R>(
  db: Kysely<Database>,
  name: string,
  query: RawBuilder<R>,
): Promise<QueryResult<R>> {
  const compiled = query.compile(db);
  const known = textsByName.get(name);
  if (known === undefined) {
    textsByName.set(name, compiled.sql);
    namesByText.set(compiled.sql, name);
  } else if (known !== compiled.sql) {
    throw new Error(`named statement ${name} was given a different text`);
  }
  return db.executeQuery(compiled);
}

/** A pg client that sends texts recorded by `executeNamed` as named prepared statements. */
export class NamingClient extends pg.Client {
  override query(...args: unknown[]): never {
    const [config, ...rest] = args;
    const name = typeof config === "string" ? namesByText.get(config) : undefined;
    const call = name === undefined ? args : [{ name, text: config }, ...rest];
    return (super.query as unknown as (...a: unknown[]) => never)(...call);
  }
}
