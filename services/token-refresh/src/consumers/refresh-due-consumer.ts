import { context } from "@opentelemetry/api";
import { ensureWorkConsumer, runConsumer, type Bus, type BusNames, type WorkOutcome } from "@warden/bus";
import { isWardenError } from "@warden/errors";
import { isId } from "@warden/ids";
import { RefreshDueSchema } from "@warden/proto/work/v1";
import { findTokenAccount } from "../repositories/token-accounts.repository.js";
import { isFreshFor } from "../refresh/token-validity.js";
import type { TokenRefreshDeps } from "../token-refresh-deps.js";

/** Options of the refresh-ahead consumer. */
export interface RefreshDueConsumerOptions {
  bus: Bus;
  names: BusNames;
  /** Requests for tokens valid longer than this are acknowledged without a refresh. */
  aheadWindowSeconds: number;
  concurrency: number;
}

/**
 * Decides one refresh.due request: refreshes through the same coalesced path
 * as the RPCs, skips accounts still fresh beyond the window (or no longer
 * ACTIVE), acks terminal failures (the account is marked) and hands transient
 * ones back for a later retry.
 */
export async function handleRefreshDue(
  deps: TokenRefreshDeps,
  accountId: string,
  aheadWindowSeconds: number,
): Promise<WorkOutcome & { result: "refreshed" | "skipped" | "failed" }> {
  if (!isId(accountId, "account"))
    return { kind: "term", reason: "refresh.due without a valid account id", result: "failed" };
  const account = await findTokenAccount(deps.db, accountId);
  if (!account || account.status !== "active" || account.deleted_at !== null)
    return { kind: "ack", result: "skipped" };
  const now = (deps.now ?? Date.now)();
  if (isFreshFor(account, aheadWindowSeconds, now, deps.unknownExpiryLifetimeS))
    return { kind: "ack", result: "skipped" };
  try {
    await deps.coordinator.refresh(account);
    return { kind: "ack", result: "refreshed" };
  } catch (error) {
    if (isWardenError(error) && error.kind !== "unavailable") return { kind: "ack", result: "failed" };
    throw error; // transient: runConsumer naks with backoff
  }
}

/** Runs the durable REFRESH_DUE consumer until `signal` aborts; resolves after in-flight refreshes settled. */
export async function runRefreshDueConsumer(
  deps: TokenRefreshDeps,
  options: RefreshDueConsumerOptions,
  signal: AbortSignal,
): Promise<void> {
  const { bus, names } = options;
  const stream = names.streams.refreshDue;
  const durable = names.consumers.refreshAhead;
  await runConsumer({
    js: bus.js,
    stream,
    durable,
    schema: RefreshDueSchema,
    signal,
    logger: deps.logger,
    concurrency: options.concurrency,
    ensureConsumer: () =>
      ensureWorkConsumer(bus.jsm, stream, durable, {
        ackWaitMs: 60_000,
        maxDeliver: 10,
        maxAckPending: 1_000,
      }),
    handler: async ({ message, traceContext }) => {
      // The refresh joins the sweeper's refresh-ahead trace (the coordinator's spans use the active one).
      const outcome = await context.with(traceContext, () =>
        handleRefreshDue(deps, message.accountId, options.aheadWindowSeconds),
      );
      deps.logger.debug({ accountId: message.accountId, result: outcome.result }, "refresh.due handled");
      return outcome.kind === "term" ? { kind: "term", reason: outcome.reason } : { kind: "ack" };
    },
  });
}
