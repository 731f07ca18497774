import type { SpanContext } from "@opentelemetry/api";
import DataLoader from "dataloader";
import type { Database } from "@warden/db";
import type { OutboxEvent } from "@warden/outbox";
import { withBatchSpans } from "@warden/telemetry";
import type { Kysely } from "kysely";
import { createBatchGate } from "../batching/batch-gate.js";
import type { LedgerOutcome } from "./ledger-outcome.js";
import { writeOutcomes, type WrittenBatch } from "./write-outcomes.js";

export interface LedgerWriterOptions {
  db: Kysely<Database>;
  /** Outcomes per transaction at most. */
  maxBatch: number;
  /** How long the first outcome of a batch waits for company. */
  maxWaitMs: number;
  /** Batches committing at once; outcomes arriving meanwhile join the next batch. */
  concurrency: number;
  /** How long a batch keeps retrying while PostgreSQL is unreachable before its items are handed back. */
  retryForMs: number;
  /** The outbox events a batch reports, written in its transaction. */
  eventsOf?: (batch: WrittenBatch) => OutboxEvent[];
  /** Runs after each commit; must not throw. */
  afterCommit: (batch: WrittenBatch) => void;
  onRetry?: (error: unknown, attempt: number) => void;
}

/** Queues outcomes into shared transactions. */
export interface LedgerWriter {
  /**
   * Resolves once the outcome's transaction committed: true if it changed the item. Rejects if it could not commit.
   * `span` is the item's span (its provider call's): the transaction's `revoke.ledger_write` span joins
   * its trace. Only the span context is kept, so the span itself is garbage once it ends.
   */
  write(outcome: LedgerOutcome, span?: SpanContext): Promise<boolean>;
}

interface QueuedOutcome {
  outcome: LedgerOutcome;
  span: SpanContext | undefined;
}

// Codes after which the same transaction can simply be tried again: the database
// restarted or is starting (57P0x, 08xxx), or two batches deadlocked (40P01, 40001).
const RETRYABLE_SQLSTATE = /^(08|57P0|40P01|40001|53300)/;
const RETRYABLE_NODE = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND"]);

/** True for failures that say nothing about the data, only that the database was briefly unavailable. */
export function isTransientDbError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && (RETRYABLE_SQLSTATE.test(code) || RETRYABLE_NODE.has(code))) return true;
  const message = error instanceof Error ? error.message : "";
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    message,
  );
}

/**
 * Batches outcomes into one transaction each (up to maxBatch: what arrived
 * within maxWaitMs, or while `concurrency` earlier batches were still
 * committing); retries a batch while the database is briefly unavailable, so a
 * PostgreSQL restart does not turn finished provider calls into repeats.
 * Traced as one span per transaction (and trace), not one per item: spans cost
 * microseconds each, and an item already has its own (its provider call).
 */
export function createLedgerWriter(options: LedgerWriterOptions): LedgerWriter {
  const gate = createBatchGate({ concurrency: options.concurrency, waitMs: options.maxWaitMs });
  const loader = new DataLoader<QueuedOutcome, boolean>(
    (queued) =>
      gate.run(() =>
        withBatchSpans(
          "revoke.ledger_write",
          queued.map((entry) => entry.span),
          {},
          async () => {
            const batch = await commitWithRetry(
              options,
              queued.map((entry) => entry.outcome),
            );
            options.afterCommit(batch);
            return batch.changed;
          },
        ),
      ),
    { cache: false, maxBatchSize: options.maxBatch, batchScheduleFn: gate.schedule },
  );
  return { write: (outcome, span) => loader.load({ outcome, span }) };
}

async function commitWithRetry(
  options: LedgerWriterOptions,
  outcomes: LedgerOutcome[],
): Promise<WrittenBatch> {
  const deadline = Date.now() + options.retryForMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await writeOutcomes(options.db, outcomes, options.eventsOf);
    } catch (error) {
      if (!isTransientDbError(error) || Date.now() >= deadline) throw error;
      options.onRetry?.(error, attempt);
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** (attempt - 1), 2_000)));
    }
  }
}
