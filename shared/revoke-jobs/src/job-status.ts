import type { JobStatusColumn } from "@warden/db";

/** The statuses revoke_jobs_in_flight_uq allows once per scope. */
export const IN_FLIGHT_JOB_STATUSES = ["planning", "running"] as const satisfies readonly JobStatusColumn[];

/** True for the states a job never leaves (completed, cancelled); a retry starts a new run from them. */
export function isTerminalJobStatus(status: JobStatusColumn): boolean {
  return status === "completed" || status === "cancelled";
}
