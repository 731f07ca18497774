export type { RevokeJobPublisher } from "./revoke-job-publisher.js";
export { createRevokeJobPublisher } from "./revoke-job-publisher.js";
export { IN_FLIGHT_JOB_STATUSES, isTerminalJobStatus } from "./job-status.js";
export type { RetryItemsOptions } from "./revoke-jobs.repository.js";
export {
  findInFlightJob,
  insertRevokeJob,
  isInFlightConflict,
  retryableItemStatuses,
  retryLockedJob,
} from "./revoke-jobs.repository.js";
export type { PublishRevokePlanOptions } from "./revoke-plan.js";
export { planMsgId, publishRevokePlan } from "./revoke-plan.js";
export type { RevokeJobRequest, StartedRevokeJob } from "./start-revoke-job.js";
export { startOrJoinRevokeJob } from "./start-revoke-job.js";
