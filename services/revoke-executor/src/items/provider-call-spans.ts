import { SpanKind, trace, type Context as TraceContext, type SpanContext } from "@opentelemetry/api";
import { recordEndedSpan } from "@warden/telemetry";
import type { ProviderOutcome } from "../revoke-metrics.js";

/** A provider call at least this slow always gets a span, however many its job run already has. */
export const SLOW_PROVIDER_CALL_MS = 1_000;
/** Job runs whose span counts are remembered; past this the oldest is forgotten. */
const REMEMBERED_JOB_RUNS = 10_000;

/** One provider call, once it has answered (or thrown). */
export interface ProviderCall {
  jobId: string;
  run: number;
  accountId: string;
  authConfigId: string;
  /** `performance.now()` when the call started. */
  startedAt: number;
  outcome: ProviderOutcome;
  /** What the call threw, if it did (only its type is recorded). */
  error?: unknown;
}

/** Records `revoke.provider_call` spans, within a budget per job run. */
export interface ProviderCallSpans {
  /**
   * Records the call's span under the item's trace context (the planner's, from
   * the message headers) when tracing is on and the call is worth one; returns
   * its span context, for the ledger write's span to point at.
   */
  record(itemTrace: TraceContext, call: ProviderCall): SpanContext | undefined;
}

/**
 * Every provider call that failed, was retried, threw or took at least
 * SLOW_PROVIDER_CALL_MS gets a span; of the calls that simply revoked, the
 * first `fullyTracedPerJobRun` of each job run in this process do. A job's
 * trace then shows what went wrong and what normal looked like, with a bounded
 * number of spans: a 100,000-account job traced call by call is a trace no
 * backend shows whole, and each span costs the executor several microseconds
 * (bench:revoke:observability). The decision is made once the call is over,
 * so a call that is not traced costs a counter read and nothing else.
 */
export function createProviderCallSpans(options: { fullyTracedPerJobRun: number }): ProviderCallSpans {
  const tracedByJobRun = new Map<string, number>();
  const withinBudget = (jobRun: string): boolean => {
    const traced = tracedByJobRun.get(jobRun) ?? 0;
    if (traced >= options.fullyTracedPerJobRun) return false;
    if (traced === 0 && tracedByJobRun.size >= REMEMBERED_JOB_RUNS)
      tracedByJobRun.delete(tracedByJobRun.keys().next().value!);
    tracedByJobRun.set(jobRun, traced + 1);
    return true;
  };
  return {
    record(itemTrace, call) {
      // Tracing off: the item carries no span context, and nothing is counted or made.
      if (trace.getSpanContext(itemTrace) === undefined) return undefined;
      const notable =
        call.outcome !== "revoked" || performance.now() - call.startedAt >= SLOW_PROVIDER_CALL_MS;
      if (!notable && !withinBudget(`${call.jobId}:${call.run}`)) return undefined;
      return recordEndedSpan(itemTrace, "revoke.provider_call", {
        kind: SpanKind.CLIENT,
        startedAt: call.startedAt,
        error: call.error,
        attributes: {
          "warden.account_id": call.accountId,
          "warden.auth_config_id": call.authConfigId,
          "warden.provider.outcome": call.outcome,
        },
      });
    },
  };
}
