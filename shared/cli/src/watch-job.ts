import { setTimeout as sleep } from "node:timers/promises";
import { toJsonString } from "@bufbuild/protobuf";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { JobStatus, RevokeJobSchema, type JobsService, type RevokeJob } from "@warden/proto/jobs/v1";
import { EXIT, type CliIo } from "./cli-io.js";
import {
  doneCount,
  isTerminal,
  RateMeter,
  renderProgressBar,
  renderProgressLine,
  renderSummary,
} from "./progress-line.js";

// Pipes get a line at most this often (plus every status change), so CI logs stay readable.
const LINE_INTERVAL_MS = 1000;
// A stream that breaks (gateway restart, network blip) is reopened this many times in a row.
const MAX_RECONNECTS = 5;

/**
 * Shows a job's progress: a redrawn single-line bar on a terminal, throttled
 * plain lines otherwise, JSON lines with --json; ends with a summary line.
 */
export class ProgressDisplay {
  private readonly meter = new RateMeter();
  private readonly startedAt: number;
  private lastLineAt = -Infinity;
  private lastStatus: JobStatus | undefined;
  private drawn = false;

  constructor(
    private readonly io: CliIo,
    private readonly json: boolean,
  ) {
    this.startedAt = this.now();
  }

  private now(): number {
    return this.io.now?.() ?? Date.now();
  }

  /** Shows one progress update. */
  update(job: RevokeJob): void {
    const at = this.now();
    this.meter.record(doneCount(job.counts), at);
    const out = this.io.stdout;
    if (this.json) {
      out.write(`${toJsonString(RevokeJobSchema, job)}\n`);
    } else if (out.isTTY) {
      // The id goes on a line of its own so the redrawn bar has the width for the counts.
      if (this.lastStatus === undefined)
        out.write(`watching ${job.id} (Ctrl-C stops watching, not the job)\n`);
      out.write(`\r\x1b[2K${renderProgressBar(job, this.meter.rate(), out.columns ?? 80)}`);
      this.drawn = true;
    } else if (
      job.status !== this.lastStatus ||
      at - this.lastLineAt >= LINE_INTERVAL_MS ||
      isTerminal(job.status)
    ) {
      out.write(`${renderProgressLine(job, this.meter.rate())}\n`);
      this.lastLineAt = at;
    }
    this.lastStatus = job.status;
  }

  /** Ends the bar's line and prints the summary (humans only). */
  finish(job: RevokeJob): void {
    if (this.drawn) this.io.stdout.write("\n");
    this.drawn = false;
    if (this.json) return;
    this.io.stdout.write(`${renderSummary(job, this.now() - this.startedAt)}\n`);
    if ((job.counts?.failed ?? 0n) > 0n)
      this.io.stderr.write(
        `failed items: warden jobs get ${job.id} --failed\nretry:        warden jobs retry ${job.id} --watch\n`,
      );
  }

  /** Leaves the terminal tidy when watching stops early. */
  interrupt(): void {
    if (this.drawn) this.io.stdout.write("\n");
    this.drawn = false;
  }
}

function retryable(error: ConnectError): boolean {
  return (
    error.code === Code.Unavailable || error.code === Code.DeadlineExceeded || error.code === Code.Unknown
  );
}

/**
 * Streams WatchRevokeJob into the display until the job is terminal, reopening a
 * broken stream with backoff; returns the exit code (0 clean, 3 failures or
 * cancelled, 130 interrupted). RPC errors other than transient ones are thrown.
 */
export async function watchJob(
  jobs: Client<typeof JobsService>,
  jobId: string,
  io: CliIo,
  json: boolean,
): Promise<number> {
  const display = new ProgressDisplay(io, json);
  let reconnects = 0;
  let last: RevokeJob | undefined;
  for (;;) {
    try {
      for await (const response of jobs.watchRevokeJob({ jobId }, { signal: io.signal })) {
        reconnects = 0;
        if (!response.job) continue;
        last = response.job;
        display.update(last);
        if (isTerminal(last.status)) break;
      }
      if (last && isTerminal(last.status)) break;
      // The stream ended before a terminal state (the server is draining): reopen it.
      if (++reconnects > MAX_RECONNECTS)
        throw new ConnectError("watch stream keeps ending early", Code.Unavailable);
    } catch (error) {
      if (io.signal?.aborted) {
        display.interrupt();
        io.stderr.write(`stopped watching; ${jobId} carries on (warden jobs watch ${jobId})\n`);
        return EXIT.interrupted;
      }
      const connectError = ConnectError.from(error);
      if (!retryable(connectError) || ++reconnects > MAX_RECONNECTS) {
        display.interrupt();
        throw connectError;
      }
    }
    await sleep(Math.min(5000, 250 * 2 ** reconnects), undefined, { signal: io.signal }).catch(
      () => undefined,
    );
  }
  if (!last) throw new ConnectError("watch ended without a job", Code.Internal);
  display.finish(last);
  const clean = last.status === JobStatus.COMPLETED && (last.counts?.failed ?? 0n) === 0n;
  return clean ? EXIT.ok : EXIT.jobFailures;
}
