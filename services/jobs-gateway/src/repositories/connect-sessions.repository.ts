import type { ConnectSessionRow, Database, NewConnectSessionRow } from "@warden/db";
import type { Kysely, Transaction } from "kysely";

type Db = Kysely<Database> | Transaction<Database>;

/** Stores a new PENDING connect session. */
export async function insertConnectSession(db: Db, row: NewConnectSessionRow): Promise<ConnectSessionRow> {
  return db.insertInto("connect_sessions").values(row).returningAll().executeTakeFirstOrThrow();
}

/** One session by id, whatever its status. */
export async function findConnectSession(db: Db, id: string): Promise<ConnectSessionRow | undefined> {
  return db.selectFrom("connect_sessions").selectAll().where("id", "=", id).executeTakeFirst();
}

/** One session by the hash of its state, whatever its status (to explain a refused callback). */
export async function findConnectSessionByState(
  db: Db,
  stateHash: string,
): Promise<ConnectSessionRow | undefined> {
  return db.selectFrom("connect_sessions").selectAll().where("state_hash", "=", stateHash).executeTakeFirst();
}

/**
 * Consumes a session's one-time state: moves a PENDING, unexpired session to
 * EXCHANGING and returns it. A second callback with the same state (a replay,
 * or a double-clicked link) finds nothing to claim, however close together the
 * two arrive: the row lock decides.
 */
export async function claimConnectSession(
  db: Db,
  stateHash: string,
  now: Date,
): Promise<ConnectSessionRow | undefined> {
  return db
    .updateTable("connect_sessions")
    .set({ status: "exchanging" })
    .where("state_hash", "=", stateHash)
    .where("status", "=", "pending")
    .where("expires_at", ">", now)
    .returningAll()
    .executeTakeFirst();
}

/** Ends a claimed session: CONNECTED with its account, or FAILED with an error code; wipes the PKCE verifier. */
export async function finishConnectSession(
  db: Db,
  id: string,
  outcome:
    | { status: "connected"; accountId: string; reconnected: boolean }
    | { status: "failed"; errorCode: string },
  now: Date,
): Promise<void> {
  await db
    .updateTable("connect_sessions")
    .set({
      status: outcome.status,
      account_id: outcome.status === "connected" ? outcome.accountId : null,
      reconnected: outcome.status === "connected" ? outcome.reconnected : false,
      error_code: outcome.status === "failed" ? outcome.errorCode : null,
      code_verifier_ciphertext: null,
      code_verifier_key_id: null,
      finished_at: now,
    })
    .where("id", "=", id)
    .where("status", "=", "exchanging")
    .execute();
}
