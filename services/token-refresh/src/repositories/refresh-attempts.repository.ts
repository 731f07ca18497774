import type { Database } from "@warden/db";
import type { Kysely, Transaction } from "kysely";

type Db = Kysely<Database> | Transaction<Database>;

/** The column values that clear an attempt, for the statements that store its answer. */
export const NO_REFRESH_ATTEMPT = {
  refresh_attempt_id: null,
  refresh_attempt_token_version: null,
  refresh_attempt_started_at: null,
  refresh_attempt_replica: null,
} as const;

/** A provider call recorded on the account before it is made. */
export interface RefreshAttempt {
  attemptId: string;
  /** The token_version whose refresh token the call presents. */
  tokenVersion: number;
  startedAt: Date;
  /** host:pid of the process making the call. */
  replica: string;
}

/** What recording an attempt found. */
export type RecordedAttempt =
  /** The account changed since the leader read it (refreshed, reconnected, disabled): no call may be made. */
  | { recorded: false }
  /**
   * Recorded. `unresolved` is an earlier attempt on the same refresh token
   * whose answer was never written: its process died (or gave up) after the
   * provider may already have rotated that token.
   */
  | { recorded: true; unresolved: Omit<RefreshAttempt, "tokenVersion"> | undefined };

/**
 * Records `attempt` on the account, fenced by its token_version, and returns
 * the attempt it replaced if that one presented the same refresh token and was
 * never answered. Must run outside any transaction the provider call waits in:
 * it is only worth anything once committed.
 */
export async function recordRefreshAttempt(
  db: Kysely<Database>,
  accountId: string,
  attempt: RefreshAttempt,
): Promise<RecordedAttempt> {
  // The CTE locks the row and reads the attempt being replaced; UPDATE … RETURNING
  // could only return the new values.
  const row = await db
    .with("previous", (q) =>
      q
        .selectFrom("connected_accounts")
        .select([
          "id",
          "refresh_attempt_id",
          "refresh_attempt_token_version",
          "refresh_attempt_started_at",
          "refresh_attempt_replica",
        ])
        .where("id", "=", accountId)
        .forUpdate(),
    )
    .updateTable("connected_accounts")
    .from("previous")
    .set({
      refresh_attempt_id: attempt.attemptId,
      refresh_attempt_token_version: attempt.tokenVersion,
      refresh_attempt_started_at: attempt.startedAt,
      refresh_attempt_replica: attempt.replica,
    })
    .whereRef("connected_accounts.id", "=", "previous.id")
    .where("connected_accounts.token_version", "=", attempt.tokenVersion)
    .where("connected_accounts.status", "=", "active")
    .where("connected_accounts.deleted_at", "is", null)
    .returning([
      "previous.refresh_attempt_id as previous_id",
      "previous.refresh_attempt_token_version as previous_version",
      "previous.refresh_attempt_started_at as previous_started_at",
      "previous.refresh_attempt_replica as previous_replica",
    ])
    .executeTakeFirst();
  if (!row) return { recorded: false };
  const unresolved =
    row.previous_id !== null && row.previous_version === attempt.tokenVersion
      ? {
          attemptId: row.previous_id,
          startedAt: row.previous_started_at!,
          replica: row.previous_replica ?? "unknown",
        }
      : undefined;
  return { recorded: true, unresolved };
}

/**
 * Clears the account's attempt if it is still `attemptId`: for an answer
 * that settled the attempt without storing tokens (the provider refused
 * before rotating anything).
 */
export async function clearRefreshAttempt(db: Db, accountId: string, attemptId: string): Promise<void> {
  await db
    .updateTable("connected_accounts")
    .set(NO_REFRESH_ATTEMPT)
    .where("id", "=", accountId)
    .where("refresh_attempt_id", "=", attemptId)
    .execute();
}
