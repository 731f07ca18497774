import { JobStatus, type JobCounts, type RevokeJob } from "@warden/proto/jobs/v1";
import { formatCount } from "./format.js";

/** Items worked to a final status (revoked, failed, skipped); cancelled ones were never worked. */
export function doneCount(counts: JobCounts | undefined): bigint {
  if (!counts) return 0n;
  // Cancelled items were never worked: a cancelled job shows how far it really got, not 100%.
  return counts.revoked + counts.failed + counts.skipped;
}

/** True for COMPLETED, COMPLETED_WITH_FAILURES and CANCELLED: the watch stream ends after one of these. */
export function isTerminal(status: JobStatus): boolean {
  return (
    status === JobStatus.COMPLETED ||
    status === JobStatus.COMPLETED_WITH_FAILURES ||
    status === JobStatus.CANCELLED
  );
}

/** Items per second over a sliding window of recent samples. */
export class RateMeter {
  private readonly samples: { at: number; done: number }[] = [];
  constructor(private readonly windowMs = 10_000) {}

  /** Records the done count observed at time `at` (ms). */
  record(done: bigint, at: number): void {
    this.samples.push({ at, done: Number(done) });
    while (this.samples.length > 2 && at - (this.samples[0]?.at ?? at) > this.windowMs) this.samples.shift();
  }

  /** Items per second, or undefined until two samples a moment apart exist. */
  rate(): number | undefined {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at - first.at < 200) return undefined;
    return ((last.done - first.done) * 1000) / (last.at - first.at);
  }
}

function formatRate(rate: number | undefined): string {
  if (rate === undefined) return "–/s";
  if (rate >= 10_000) return `${(rate / 1000).toFixed(0)}k/s`;
  if (rate >= 1000) return `${(rate / 1000).toFixed(1)}k/s`;
  return `${rate.toFixed(rate < 10 ? 1 : 0)}/s`;
}

function percent(job: RevokeJob): number {
  const total = Number(job.counts?.total ?? 0n);
  return total === 0 ? 0 : Math.floor((Number(doneCount(job.counts)) * 100) / total);
}

function countsText(counts: JobCounts | undefined, separator: string): string {
  const c = counts ?? { revoked: 0n, failed: 0n, skipped: 0n, pending: 0n, cancelled: 0n };
  const parts = [
    `revoked${separator}${formatCount(c.revoked)}`,
    `failed${separator}${formatCount(c.failed)}`,
    `skipped${separator}${formatCount(c.skipped)}`,
    `pending${separator}${formatCount(c.pending)}`,
  ];
  if (c.cancelled > 0n) parts.push(`cancelled${separator}${formatCount(c.cancelled)}`);
  return parts.join("  ");
}

/**
 * One terminal line: status, a bar, percent, counts and rate, fitted to
 * `columns` (the bar shrinks first, then the line is cut) so it never wraps
 * and the carriage-return redraw stays on one line.
 */
export function renderProgressBar(job: RevokeJob, rate: number | undefined, columns = 80): string {
  const status = JobStatus[job.status];
  const tail =
    job.status === JobStatus.PLANNING && (job.counts?.total ?? 0n) === 0n
      ? "planning…"
      : `${String(percent(job)).padStart(3)}%  ${countsText(job.counts, " ")}  ${formatRate(rate)}`;
  const head = `${status} `;
  const room = columns - 1 - head.length - tail.length - 3;
  const width = Math.max(10, Math.min(30, room));
  const filled = Math.round((width * percent(job)) / 100);
  const line = `${head}[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${tail}`;
  return line.length > columns - 1 ? line.slice(0, Math.max(0, columns - 2)) + "…" : line;
}

/** One self-contained log line for pipes and CI logs (no control characters). */
export function renderProgressLine(job: RevokeJob, rate: number | undefined): string {
  const total = formatCount(job.counts?.total ?? 0n);
  return `${job.id} ${JobStatus[job.status]} ${percent(job)}% total=${total} ${countsText(job.counts, "=").replace(/ {2}/g, " ")} rate=${formatRate(rate)}`;
}

/** The closing line once a job is terminal. */
export function renderSummary(job: RevokeJob, elapsedMs: number): string {
  const c = job.counts;
  const parts = [
    `${formatCount(c?.revoked ?? 0n)} revoked`,
    `${formatCount(c?.failed ?? 0n)} failed`,
    `${formatCount(c?.skipped ?? 0n)} skipped`,
  ];
  if ((c?.cancelled ?? 0n) > 0n) parts.push(`${formatCount(c?.cancelled ?? 0n)} cancelled`);
  return `${job.id} ${JobStatus[job.status]}: ${parts.join(", ")} of ${formatCount(c?.total ?? 0n)} in ${(elapsedMs / 1000).toFixed(1)}s`;
}
