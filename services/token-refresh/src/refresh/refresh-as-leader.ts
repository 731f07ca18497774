import {
  clientSecretAssociatedData,
  openAccountToken,
  sealAccountTokens,
  type Keyring,
} from "@warden/crypto";
import type { Database } from "@warden/db";
import { failedPrecondition, type WardenError } from "@warden/errors";
import type { Logger } from "@warden/logger";
import { SpanKind } from "@opentelemetry/api";
import { requestRefreshTokenGrant, type RefreshOutcome } from "@warden/oauth";
import { randomUUID } from "node:crypto";
import { withSpan } from "@warden/telemetry";
import { providerTerminalErrors } from "@warden/providers";
import type { Kysely, Transaction } from "kysely";
import {
  clearRefreshAttempt,
  recordRefreshAttempt,
  type RecordedAttempt,
} from "../repositories/refresh-attempts.repository.js";
import {
  findRefreshClient,
  findTokenAccount,
  markNeedsReconnect,
  writeRefreshedTokens,
  type TokenAccount,
} from "../repositories/token-accounts.repository.js";
import { writeAnswer } from "./answer-write.js";
import { tokenFailure } from "./refresh-errors.js";
import type { RefreshEvents } from "./refresh-events.js";
import type { RefreshMetrics } from "./refresh-metrics.js";

/** Test seams; production passes none. */
export interface RefreshHooks {
  /** Runs after the provider answered and before the fenced write (a paused process, in tests). */
  afterProviderCall?(accountId: string): Promise<void>;
}

/** What the leader needs besides the handle its critical section writes with. */
export interface LeaderDeps {
  /** Records attempts outside any transaction the critical section holds (they must commit before the call). */
  db: Kysely<Database>;
  /**
   * A pool of its own for writing answers outside a transaction, so a write
   * never queues behind the hot path's reads while its rotated token exists
   * only in memory (measured: p99 past 5 s on the shared pool under load).
   */
  answerDb: Kysely<Database>;
  /** How long a failing answer write is retried: the refresh lock's TTL, while no other leader can present the token. */
  answerWriteRetryMs: number;
  /** host:pid, recorded with each attempt. */
  replica: string;
  keyring: Keyring;
  logger: Logger;
  metrics: RefreshMetrics;
  providerTimeoutMs: number;
  now: () => Date;
  hooks?: RefreshHooks;
  fetch?: typeof fetch;
  /** Builds the account events the leader's writes commit to the outbox. */
  events?: Pick<RefreshEvents, "eventOf">;
}

/**
 * What a leader's critical section came to. Side effects that must follow
 * the commit (events, Redis caches) are left to the caller, because in the
 * advisory-lock path the writes commit only when the transaction ends.
 */
export type LeaderOutcome =
  /** `answeredAt` (performance.now()) is when the provider's answer arrived, to time the window until it is durable. */
  | { kind: "refreshed"; account: TokenAccount; answeredAt: number }
  /** The fence refused our write or mark: someone stored newer tokens; `latest` is what is there now. */
  | { kind: "superseded"; accountId: string; latest: TokenAccount | undefined }
  /** The account changed before our provider call (no call was made); `latest` is what is there now. */
  | { kind: "preempted"; accountId: string; latest: TokenAccount | undefined }
  /**
   * `statusReason` is what the account now says: the provider's code, or
   * `rotation_lost` when an earlier attempt's answer on the same refresh token
   * was never written (so the provider refusing it is our loss, not the user's).
   */
  | { kind: "account_failed"; account: TokenAccount; errorCode: string; statusReason: string }
  | { kind: "app_failed"; account: TokenAccount; errorCode: string }
  | { kind: "transient"; account: TokenAccount; errorCode: string }
  | { kind: "refused"; error: WardenError };

type Db = Kysely<Database> | Transaction<Database>;

/** The status_reason of an account whose rotated refresh token died with the process that received it. */
export const ROTATION_LOST = "rotation_lost";

/**
 * Refreshes `account` (as read while holding the lock) once with the
 * provider and stores the result fenced by the token_version it read: a
 * rotated refresh token goes into the same statement as the access token, and
 * a provider that did not rotate leaves the old one (re-sealed with the access
 * token's key). The attempt is recorded durably before the provider call and
 * cleared by the statement that stores its answer, so a crash in between is
 * found by the next leader. Never throws for provider failures; returns what
 * happened.
 */
export async function refreshAsLeader(
  deps: LeaderDeps,
  db: Db,
  account: TokenAccount,
  whileCallingProvider: <T>(call: () => Promise<T>) => Promise<T> = (call) => call(),
): Promise<LeaderOutcome> {
  const binding = { authConfigId: account.auth_config_id, externalUserId: account.external_user_id };
  if (account.refresh_token_ciphertext === null || account.token_key_id === null) {
    return { kind: "refused", error: tokenFailure(account, "NEEDS_RECONNECT", "no_refresh_token") };
  }
  const client = await findRefreshClient(db, account.auth_config_id);
  if (!client || client.deleted_at !== null) {
    return {
      kind: "refused",
      error: failedPrecondition(`auth config ${account.auth_config_id} was deleted`),
    };
  }
  const refreshToken = openAccountToken(deps.keyring, binding, "refresh", {
    ciphertext: account.refresh_token_ciphertext,
    keyId: account.token_key_id,
  });
  const clientSecret =
    client.client_secret_ciphertext && client.client_secret_key_id
      ? deps.keyring.open(
          { ciphertext: client.client_secret_ciphertext, keyId: client.client_secret_key_id },
          clientSecretAssociatedData(client.id),
        )
      : null;

  const attemptId = randomUUID();
  const attempt = await recordRefreshAttempt(deps.db, account.id, {
    attemptId,
    tokenVersion: account.token_version,
    startedAt: deps.now(),
    replica: deps.replica,
  });
  if (!attempt.recorded) {
    return { kind: "preempted", accountId: account.id, latest: await findTokenAccount(deps.db, account.id) };
  }
  if (attempt.unresolved) {
    deps.metrics.unresolvedAttempts.inc();
    deps.logger.warn(
      {
        accountId: account.id,
        previousAttempt: attempt.unresolved.attemptId,
        previousReplica: attempt.unresolved.replica,
        previousStartedAt: attempt.unresolved.startedAt.toISOString(),
      },
      "an earlier refresh of this refresh token was never answered (its process died); presenting it again",
    );
  }

  const outcome: RefreshOutcome = await whileCallingProvider(() =>
    withSpan(
      "token.refresh.provider_call",
      { kind: SpanKind.CLIENT, attributes: { "warden.auth_config_id": account.auth_config_id } },
      async (span) => {
        const answered = await requestRefreshTokenGrant({
          tokenUrl: client.token_url,
          refreshToken,
          client: { clientId: client.client_id, clientSecret, method: client.client_auth },
          // A catalog provider's own codes (GitHub's bad_refresh_token …) decide account vs app blame.
          terminalErrors: providerTerminalErrors(client.provider),
          timeoutMs: deps.providerTimeoutMs,
          ...(deps.fetch ? { fetch: deps.fetch } : {}),
        });
        span.setAttribute("warden.provider.outcome", answered.kind);
        return answered;
      },
    ),
  );
  // Everything from here to the write's commit is the window in which a crash
  // loses a rotated refresh token: keep it to sealing and one statement.
  const answeredAt = performance.now();
  await deps.hooks?.afterProviderCall?.(account.id);
  const now = deps.now();
  const answers = db.isTransaction ? db : deps.answerDb;
  const deadline = Date.now() + deps.answerWriteRetryMs;

  if (outcome.kind === "refreshed") {
    deps.metrics.providerCalls.inc({ outcome: "refreshed" });
    const sealed = sealAccountTokens(deps.keyring, binding, {
      access: outcome.accessToken,
      refresh: outcome.refreshToken ?? refreshToken,
    });
    const expiresAt =
      outcome.expiresInSeconds === null ? null : new Date(now.getTime() + outcome.expiresInSeconds * 1000);
    const written = await writeAnswer(answers, deadline, (w) =>
      writeRefreshedTokens(
        w,
        account.id,
        account.token_version,
        { ...sealed, expiresAt },
        now,
        deps.events && ((written) => deps.events!.eventOf("refreshed", written)),
      ),
    );
    if (written) return { kind: "refreshed", account: written, answeredAt };
    return { kind: "superseded", accountId: account.id, latest: await findTokenAccount(db, account.id) };
  }

  const log = {
    accountId: account.id,
    authConfigId: account.auth_config_id,
    errorCode: outcome.errorCode,
    status: outcome.status,
  };
  switch (outcome.failureClass) {
    case "account": {
      deps.metrics.providerCalls.inc({ outcome: "account_terminal" });
      const statusReason = attempt.unresolved ? ROTATION_LOST : outcome.errorCode;
      const marked = await writeAnswer(answers, deadline, (w) =>
        markNeedsReconnect(
          w,
          account.id,
          account.token_version,
          statusReason,
          now,
          deps.events?.eventOf("needs_reconnect", account, outcome.errorCode, statusReason),
        ),
      );
      if (!marked)
        return { kind: "superseded", accountId: account.id, latest: await findTokenAccount(db, account.id) };
      if (attempt.unresolved) {
        deps.metrics.rotationsLost.inc();
        deps.logger.error(
          { ...log, statusReason, previousAttempt: attempt.unresolved.attemptId },
          "the provider refused a refresh token whose earlier refresh was never stored; the rotated token was lost with its process and the account needs a reconnect",
        );
      } else {
        deps.logger.warn(log, "refresh failed terminally; account needs a reconnect");
      }
      return { kind: "account_failed", account, errorCode: outcome.errorCode, statusReason };
    }
    case "app":
      await writeAnswer(answers, deadline, (w) =>
        settleAttemptWithoutTokens(w, account.id, attemptId, attempt, outcome.status),
      );
      deps.metrics.providerCalls.inc({ outcome: "app_terminal" });
      deps.logger.error(
        log,
        "provider refused the auth config's client; refreshes paused for this auth config",
      );
      return { kind: "app_failed", account, errorCode: outcome.errorCode };
    case "transient":
      await writeAnswer(answers, deadline, (w) =>
        settleAttemptWithoutTokens(w, account.id, attemptId, attempt, outcome.status),
      );
      deps.metrics.providerCalls.inc({ outcome: "transient" });
      deps.logger.warn(log, "provider refresh failed transiently");
      return { kind: "transient", account, errorCode: outcome.errorCode };
  }
}

/**
 * An HTTP error status means the provider issued nothing, so the attempt is
 * settled. A timeout, a dropped connection or an unreadable 200 may hide a
 * rotation: the attempt stays recorded, and so does an earlier unanswered one
 * (its loss must still be reported if the provider later refuses the token).
 */
async function settleAttemptWithoutTokens(
  db: Db,
  accountId: string,
  attemptId: string,
  attempt: RecordedAttempt,
  status: number | undefined,
): Promise<void> {
  if (attempt.recorded && !attempt.unresolved && status !== undefined && status >= 400) {
    await clearRefreshAttempt(db, accountId, attemptId);
  }
}
