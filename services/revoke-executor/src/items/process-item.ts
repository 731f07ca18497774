import { trace, type SpanContext, type Context as TraceContext } from "@opentelemetry/api";
import type { WorkOutcome } from "@warden/bus";
import { openAccountToken, type Keyring } from "@warden/crypto";
import type { Logger } from "@warden/logger";
import { revokeWithMethod, type RevokeAgents, type RevokeOutcome } from "@warden/oauth";
import type { RevokeWorkItem } from "@warden/proto/work/v1";
import type { FairScheduler } from "../fair-scheduler.js";
import type { LedgerOutcome } from "../ledger/ledger-outcome.js";
import type { LedgerWriter } from "../ledger/ledger-writer.js";
import type { ItemContext, ItemKey } from "../repositories/item-context.repository.js";
import type { ItemOutcome, ProviderOutcome, RevokeMetrics } from "../revoke-metrics.js";
import type { AuthConfigCache, RevokeClient } from "./auth-config-cache.js";
import type { PendingRecheck } from "./pending-recheck.js";
import type { ProviderCallSpans } from "./provider-call-spans.js";
import { retryDelayMs } from "./retry-delay.js";
import type { RevokeBreaker } from "./revoke-breaker.js";

/** Tunables of per-item work. */
export interface ItemSettings {
  /**
   * How old the ledger read that admitted a delivery may be when its provider
   * slot frees before the ledger is asked again (see pending-recheck.ts).
   */
  recheckAfterMs: number;
  maxAttempts: number;
  requestTimeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

export interface ProcessItemDeps {
  loadContext: (key: ItemKey) => Promise<ItemContext | undefined>;
  /** True while the job is planning or running (from a recent read); asked right before the provider call. */
  isJobLive: (jobId: string) => boolean | Promise<boolean>;
  /** True while the item is still pending in its run, read from the ledger; asked right before the provider call. */
  isStillPending: PendingRecheck;
  authConfigs: AuthConfigCache;
  /** Per job run and auth config: stops provider calls after a run of app-level failures. */
  breaker: RevokeBreaker;
  keyring: Keyring;
  scheduler: FairScheduler;
  ledger: LedgerWriter;
  agents: RevokeAgents;
  settings: ItemSettings;
  /** Aborts on shutdown or when the job stops (e.g. cancelled): an item still waiting for a slot is handed back. */
  signal: AbortSignal;
  logger: Logger;
  metrics: RevokeMetrics;
  /** Records provider calls' spans (tracing on), within a budget per job run. */
  callSpans: ProviderCallSpans;
}

const ACK: WorkOutcome = { kind: "ack" };

/**
 * Handles one delivery of a work item: skips it (ack) unless it is still
 * pending in this run of a live job, both when it arrives and again once it
 * holds a provider slot (so an item settled meanwhile never reaches the
 * provider a second time); otherwise revokes at the provider and
 * resolves only after the outcome is committed to the ledger, with `ack` for a
 * final status and `nak` with the back-off delay for a retry.
 */
export async function processItem(
  deps: ProcessItemDeps,
  item: RevokeWorkItem,
  itemTrace: TraceContext,
): Promise<WorkOutcome> {
  const context = await deps.loadContext({ jobId: item.jobId, accountId: item.accountId });
  // Idempotent skip: already final, a stale run, or a job that was cancelled or finished.
  if (context === undefined || context.status !== "pending" || context.run !== item.run) return ACK;
  if (context.jobStatus !== "planning" && context.jobStatus !== "running") return ACK;

  const decided = await decide(deps, context, itemTrace);
  if (decided === "handed_back") return { kind: "nak" };
  if (decided === "job_stopped" || decided === "already_settled") return ACK;
  const outcome = decided.outcome;
  // The write's span is its transaction's, shared by the batch (see ledger-writer.ts): it joins the
  // trace under the provider call that decided the outcome (or the planner's span, without one).
  const changed = await deps.ledger.write(outcome, decided.call ?? trace.getSpanContext(itemTrace));
  // Counted once the write committed and changed the item, so the counts add up to the ledger's.
  if (changed) deps.metrics.forAuthConfig(context.authConfigId).itemWritten(itemOutcomeOf(outcome));
  if (decided.outcome.kind === "retry" && changed) return { kind: "nak", delayMs: decided.delayMs };
  return ACK;
}

/** What an item comes to; `call` is the provider call's span context, when there was a call. */
type Decision =
  | { outcome: LedgerOutcome; delayMs?: number; call?: SpanContext }
  | "handed_back"
  | "job_stopped"
  | "already_settled";

async function decide(
  deps: ProcessItemDeps,
  context: ItemContext,
  itemTrace: TraceContext,
): Promise<Decision> {
  const attempts = context.attempts + 1;
  const final = (
    status: "revoked" | "failed" | "skipped",
    errorCode: string | null,
    errorMessage: string | null,
    wipe: boolean,
  ): Decision => ({
    outcome: {
      kind: "final",
      jobId: context.jobId,
      accountId: context.accountId,
      run: context.run,
      status,
      attempts: status === "skipped" ? context.attempts : attempts,
      errorCode,
      errorMessage,
      wipe,
      confirmedUpstream: status === "revoked",
    },
  });

  const sealed = context.tokenCiphertext;
  if (sealed === null || context.tokenKeyId === null || context.externalUserId === null) {
    // Another job (or a delete) already wiped this account: nothing is left to revoke.
    return final("skipped", "no_tokens", "the account holds no tokens any more", false);
  }
  const client = await deps.authConfigs.get(context.authConfigId);
  if (client === undefined) {
    return final("skipped", "no_revoke_url", "the auth config is gone; tokens wiped locally", true);
  }
  const method = client.revokeMethod;
  if (client.skip !== null || method === "none" || client.revokeUrl === null) {
    // Nothing upstream can revoke one token (Microsoft, Atlassian …, or no revoke_url): wipe ours, say whose.
    const skip = client.skip ?? { code: "no_revoke_url", message: "the auth config has no revoke_url" };
    return final("skipped", skip.code, skip.message, true);
  }

  let token: string;
  try {
    token = openAccountToken(
      deps.keyring,
      { authConfigId: context.authConfigId, externalUserId: context.externalUserId },
      context.tokenKind,
      { ciphertext: sealed, keyId: context.tokenKeyId },
    );
  } catch {
    deps.logger.error(
      { jobId: context.jobId, accountId: context.accountId },
      "stored token cannot be opened",
    );
    return final("failed", "token_unreadable", "the stored token could not be decrypted", context.force);
  }

  if (!(await deps.scheduler.acquire(context.jobId, context.authConfigId, deps.signal))) return "handed_back";
  let answer: RevokeOutcome;
  let call: SpanContext | undefined;
  try {
    // The wait for a slot can be long; a job cancelled meanwhile must not reach
    // the provider (its pending items are already CANCELLED in the ledger). The
    // answer comes from a status read a few ms old (or the job's cancelled event),
    // so it costs no round trip while the slot is held.
    const live = deps.isJobLive(context.jobId);
    if (!(typeof live === "boolean" ? live : await live)) return "job_stopped";
    const breakerKey = { jobId: context.jobId, run: context.run, authConfigId: context.authConfigId };
    if (deps.breaker.isOpen(breakerKey)) return circuitOpen(context);
    // The ledger read above may be seconds old by now (see pending-recheck.ts); a fresh one is trusted.
    if (
      performance.now() - context.readAt >= deps.settings.recheckAfterMs &&
      !(await deps.isStillPending({ jobId: context.jobId, accountId: context.accountId, run: context.run }))
    )
      return "already_settled";
    const metrics = deps.metrics.forAuthConfig(context.authConfigId);
    const revokeUrl = client.revokeUrl;
    const startedAt = metrics.providerCallStarted();
    const callStartedAt = performance.now();
    let called: ProviderOutcome = "error";
    let thrown: unknown;
    try {
      answer = await revokeWithMethod(method, {
        revokeUrl,
        token,
        tokenTypeHint: context.tokenKind === "refresh" ? "refresh_token" : "access_token",
        client: client.credentials,
        responseStyle: client.responseStyle,
        timeoutMs: deps.settings.requestTimeoutMs,
        agents: deps.agents,
      });
      called = answer.kind;
    } catch (error) {
      thrown = error;
      throw error;
    } finally {
      metrics.providerCallEnded(startedAt, called);
      // The item's one span, in the planner's trace (carried in the message headers), recorded once
      // the call is over and only if it is worth one (see provider-call-spans.ts).
      call = deps.callSpans.record(itemTrace, {
        jobId: context.jobId,
        run: context.run,
        accountId: context.accountId,
        authConfigId: context.authConfigId,
        startedAt: callStartedAt,
        outcome: called,
        error: thrown,
      });
    }
    // Counted before the slot is released, so no call starts between a failure and its count.
    await deps.breaker.record(breakerKey, context.accountId, answer);
  } finally {
    deps.scheduler.release(context.authConfigId);
  }
  const decided = fromAnswer(deps, context, client, answer, attempts, final);
  return typeof decided === "string" ? decided : { ...decided, call };
}

function fromAnswer(
  deps: ProcessItemDeps,
  context: ItemContext,
  client: RevokeClient,
  answer: RevokeOutcome,
  attempts: number,
  final: (
    status: "revoked" | "failed",
    code: string | null,
    message: string | null,
    wipe: boolean,
  ) => Decision,
): Decision {
  const where = {
    jobId: context.jobId,
    accountId: context.accountId,
    authConfigId: client.authConfigId,
    attempts,
  };
  switch (answer.kind) {
    case "revoked":
      return final("revoked", null, null, true);
    case "failed":
      deps.logger.info(
        { ...where, errorCode: answer.errorCode, status: answer.status },
        "provider refused revocation",
      );
      return withDescription(
        final("failed", answer.errorCode, answer.errorDescription ?? null, context.force),
        answer.errorDescription,
      );
    case "retry": {
      if (attempts >= deps.settings.maxAttempts) {
        deps.logger.warn({ ...where, errorCode: answer.errorCode }, "revocation attempts exhausted");
        return final("failed", answer.errorCode, `gave up after ${attempts} attempts`, context.force);
      }
      const { retryBaseMs, retryMaxMs } = deps.settings;
      return {
        outcome: {
          kind: "retry",
          jobId: context.jobId,
          accountId: context.accountId,
          run: context.run,
          attempts,
          errorCode: answer.errorCode,
        },
        delayMs: retryDelayMs(attempts, answer.retryAfterMs, retryBaseMs, retryMaxMs),
      };
    }
  }
}

function itemOutcomeOf(outcome: LedgerOutcome): ItemOutcome {
  return outcome.kind === "retry" ? "retried" : outcome.status;
}

/**
 * An item whose auth config's breaker is open in this run: FAILED without a
 * provider call, tokens kept (never wiped, even with force), so RetryRevokeJob
 * resumes it once the client is fixed.
 */
function circuitOpen(context: ItemContext): Decision {
  return {
    outcome: {
      kind: "final",
      jobId: context.jobId,
      accountId: context.accountId,
      run: context.run,
      status: "failed",
      attempts: context.attempts,
      errorCode: "circuit_open",
      errorMessage:
        "not sent: the provider kept rejecting this auth config's OAuth client; fix it (UpdateAuthConfig) and retry the job",
      wipe: false,
      confirmedUpstream: false,
    },
  };
}

function withDescription(decision: Decision, description: string | undefined): Decision {
  if (typeof decision === "string" || decision.outcome.kind !== "final") return decision;
  return { ...decision, outcome: { ...decision.outcome, errorDescription: description ?? null } };
}
