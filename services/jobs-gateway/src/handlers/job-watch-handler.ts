import type { MessageInitShape } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { principalOf, requireScope } from "@warden/auth";
import { busNames, subscribeEvents } from "@warden/bus";
import type { RevokeJobRow } from "@warden/db";
import { jobToProto } from "@warden/events";
import { JobEventSchema } from "@warden/proto/events/v1";
import type { WatchRevokeJobRequest, WatchRevokeJobResponseSchema } from "@warden/proto/jobs/v1";
import { isTerminalJobStatus } from "@warden/revoke-jobs";
import { streamSignal } from "@warden/rpc";
import type { GatewayDeps } from "../gateway-deps.js";
import { findJob } from "../repositories/jobs.repository.js";
import { parseJobId, visibleJob } from "./job-request-fields.js";

// Events wake the stream within milliseconds; this slow re-read only covers
// events missed while NATS was unreachable, so a watcher never stalls for good.
const SAFETY_REREAD_MS = 2_000;

/** What a watcher has already been told; a re-read that matches it sends nothing. */
function fingerprint(job: RevokeJobRow): string {
  return [
    job.status,
    job.run,
    job.total,
    job.pending,
    job.revoked,
    job.failed,
    job.skipped,
    job.cancelled,
    job.finished_at?.getTime() ?? "",
  ].join(":");
}

/** A latch: notify() any number of times, the next wait() returns once (or on timeout/abort). */
function createWakeLatch() {
  let woken = false;
  let release: (() => void) | undefined;
  return {
    notify() {
      woken = true;
      release?.();
    },
    async wait(ms: number, signal: AbortSignal): Promise<void> {
      if (!woken && !signal.aborted) {
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            signal.removeEventListener("abort", done);
            release = undefined;
            resolve();
          };
          const timer = setTimeout(done, ms);
          signal.addEventListener("abort", done);
          release = done;
        });
      }
      woken = false;
    },
  };
}

/**
 * WatchRevokeJob (scope jobs:read): sends the job, then every change until it
 * is completed or cancelled, the client goes away or the server drains.
 * Changes are noticed from the job's NATS events (each one triggers a DB
 * re-read, so the stream always shows committed state) plus a slow re-read.
 */
export function createJobWatchHandler(deps: GatewayDeps) {
  const { db, bus, logger } = deps;
  const names = busNames(deps.namespace);

  return async function* watchRevokeJob(
    req: WatchRevokeJobRequest,
    ctx: HandlerContext,
  ): AsyncIterable<MessageInitShape<typeof WatchRevokeJobResponseSchema>> {
    const principal = requireScope(principalOf(ctx), "jobs:read");
    const id = parseJobId("job_id", req.jobId);
    const signal = streamSignal(ctx);
    const latch = createWakeLatch();
    let subscription: ReturnType<typeof subscribeEvents> | undefined;
    try {
      // Subscribe before the first read so no change falls between the two.
      subscription = subscribeEvents(
        bus.nc,
        names.subjects.jobEvents(id),
        JobEventSchema,
        () => latch.notify(),
        {
          logger,
        },
      );
    } catch (error) {
      logger.warn({ jobId: id, err: { message: (error as Error).message } }, "watch runs on re-reads only");
    }
    try {
      let job = await visibleJob(db, principal, id);
      let sent = fingerprint(job);
      yield { job: jobToProto(job) };
      while (!isTerminalJobStatus(job.status)) {
        await latch.wait(SAFETY_REREAD_MS, signal);
        if (signal.aborted) return;
        const fresh = await findJob(db, id);
        if (!fresh) return;
        job = fresh;
        if (fingerprint(job) === sent) continue;
        sent = fingerprint(job);
        yield { job: jobToProto(job) };
      }
    } finally {
      subscription?.unsubscribe();
    }
  };
}
