import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { principalOf, requireScope } from "@warden/auth";
import type { RevokeJobRow } from "@warden/db";
import { alreadyExists, failedPrecondition, type ErrorDetail } from "@warden/errors";
import { jobToProto } from "@warden/events";
import {
  CancelRevokeJobResponseSchema,
  CreateRevokeJobResponseSchema,
  RetryRevokeJobResponseSchema,
  RevokeJobSchema,
  type CancelRevokeJobRequest,
  type CancelRevokeJobResponse,
  type CreateRevokeJobRequest,
  type CreateRevokeJobResponse,
  type RetryRevokeJobRequest,
  type RetryRevokeJobResponse,
} from "@warden/proto/jobs/v1";
import {
  findInFlightJob,
  isInFlightConflict,
  isTerminalJobStatus,
  retryLockedJob,
  type RevokeJobPublisher,
} from "@warden/revoke-jobs";
import type { GatewayDeps } from "../gateway-deps.js";
import { withDeadlockRetry } from "../repositories/deadlock-retry.js";
import { cancelLockedJob, lockJob } from "../repositories/jobs.repository.js";
import { parseJobId, parseScope, visibleJob } from "./job-request-fields.js";
import { checkRetrySelection, parseRetrySelection } from "./retry-request.js";
import type { RevokeJobStarter } from "./revoke-job-starter.js";

/** The in-flight job as an error detail a grpc-js or Connect client can decode. */
function jobDetail(job: RevokeJobRow): ErrorDetail[] {
  return [{ desc: RevokeJobSchema, value: jobToProto(job) }];
}

/** JobsService's writes: create, retry, cancel (scope jobs:write). */
export function createJobCommandHandlers(
  deps: GatewayDeps,
  starter: RevokeJobStarter,
  publisher: RevokeJobPublisher,
) {
  const { db, logger } = deps;
  const now = deps.now ?? (() => new Date());

  return {
    async createRevokeJob(
      req: CreateRevokeJobRequest,
      ctx: HandlerContext,
    ): Promise<CreateRevokeJobResponse> {
      const principal = requireScope(principalOf(ctx), "jobs:write");
      const scope = parseScope(req.scope);
      const { job, created } = await starter.start(principal, scope, req.force);
      if (!created) {
        throw alreadyExists(`revoke job ${job.id} is already in flight for this scope`, jobDetail(job));
      }
      return create(CreateRevokeJobResponseSchema, { job: jobToProto(job) });
    },

    async retryRevokeJob(req: RetryRevokeJobRequest, ctx: HandlerContext): Promise<RetryRevokeJobResponse> {
      const principal = requireScope(principalOf(ctx), "jobs:write");
      const id = parseJobId("job_id", req.jobId);
      const selection = parseRetrySelection(req);
      const visible = await visibleJob(db, principal, id);
      let job: RevokeJobRow;
      try {
        job = await withDeadlockRetry(() =>
          db.transaction().execute(async (trx) => {
            const locked = (await lockJob(trx, id))!;
            if (!isTerminalJobStatus(locked.status)) {
              throw alreadyExists(`revoke job ${id} is still ${locked.status}`, jobDetail(locked));
            }
            await checkRetrySelection(trx, locked, selection);
            const retried = await retryLockedJob(trx, id, now(), selection);
            await publisher.enqueueJobEvent(trx, retried, "progress");
            return retried;
          }),
        );
      } catch (error) {
        if (!isInFlightConflict(error)) throw error;
        // Another job for the same scope started after this one finished.
        const other = await findInFlightJob(db, visible.scope_kind, visible.scope_id);
        if (!other) throw alreadyExists("another revoke job is in flight for this scope");
        throw alreadyExists(`revoke job ${other.id} is already in flight for this scope`, jobDetail(other));
      }
      logger.info({ jobId: id, run: job.run, items: job.pending }, "revoke job retry started");
      await publisher.publishPlan(job);
      return create(RetryRevokeJobResponseSchema, { job: jobToProto(job) });
    },

    async cancelRevokeJob(
      req: CancelRevokeJobRequest,
      ctx: HandlerContext,
    ): Promise<CancelRevokeJobResponse> {
      const principal = requireScope(principalOf(ctx), "jobs:write");
      const id = parseJobId("job_id", req.jobId);
      await visibleJob(db, principal, id);
      const job = await withDeadlockRetry(() =>
        db.transaction().execute(async (trx) => {
          const locked = (await lockJob(trx, id))!;
          if (isTerminalJobStatus(locked.status)) {
            throw failedPrecondition(`revoke job ${id} is already ${locked.status}`, jobDetail(locked));
          }
          const cancelled = await cancelLockedJob(trx, id, now());
          await publisher.enqueueJobEvent(trx, cancelled, "cancelled");
          return cancelled;
        }),
      );
      logger.info({ jobId: id, cancelled: job.cancelled }, "revoke job cancelled");
      return create(CancelRevokeJobResponseSchema, { job: jobToProto(job) });
    },
  };
}
