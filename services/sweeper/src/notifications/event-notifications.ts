import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { AccountEvent, JobEvent, LeaseEvent } from "@warden/proto/events/v1";
import type { Notification } from "./notification.js";

/** Provider error codes that mean the OAuth client itself is broken, not one user's grant. */
export const APP_LEVEL_ERROR_CODES = new Set(["invalid_client", "unauthorized_client"]);

/** One notification per job run that finished with failed items; undefined when nothing failed. */
export function jobFailuresNotification(event: JobEvent): Notification | undefined {
  const job = event.job;
  const failed = Number(job?.counts?.failed ?? 0n);
  if (!job || failed === 0) return undefined;
  const counts = job.counts!;
  return {
    idempotencyKey: `job-failures:${job.id}:${job.run}`,
    kind: "job_completed_with_failures",
    title: `Revoke job ${job.id} finished with ${failed} failed item${failed === 1 ? "" : "s"}`,
    text: `run ${job.run}: ${counts.revoked} revoked, ${counts.skipped} skipped, ${failed} failed of ${counts.total}. Retry the failed items with RetryRevokeJob.`,
    occurredAt: event.occurredAt ? timestampDate(event.occurredAt) : new Date(),
    metadata: {
      job_id: job.id,
      run: job.run,
      org_id: job.orgId,
      project_id: job.projectId,
      total: Number(counts.total),
      revoked: Number(counts.revoked),
      skipped: Number(counts.skipped),
      failed,
    },
  };
}

/** One notification per expired lease. */
export function leaseExpiredNotification(event: LeaseEvent): Notification | undefined {
  const lease = event.lease;
  if (!lease) return undefined;
  return {
    idempotencyKey: `lease-expired:${lease.id}`,
    kind: "lease_expired",
    title: `Lease ${lease.id} expired`,
    text: `The lease of account ${lease.accountId} held by ${lease.holder} expired; its token no longer works.`,
    occurredAt: event.occurredAt ? timestampDate(event.occurredAt) : new Date(),
    metadata: {
      lease_id: lease.id,
      account_id: lease.accountId,
      project_id: lease.projectId,
      holder: lease.holder,
    },
  };
}

/** The notification that an auth config's OAuth client is failing for everyone; `since` keys the episode. */
export function authConfigFaultNotification(event: AccountEvent, since: number): Notification {
  return {
    idempotencyKey: `auth-config-fault:${event.authConfigId}:${since}`,
    kind: "auth_config_fault",
    title: `Auth config ${event.authConfigId}: the provider rejects the OAuth client (${event.errorCode})`,
    text: "Every refresh under this auth config fails until its client id / secret is fixed; users are not marked for reconnect.",
    occurredAt: new Date(since),
    metadata: {
      auth_config_id: event.authConfigId,
      org_id: event.orgId,
      project_id: event.projectId,
      error_code: event.errorCode,
    },
  };
}

/** The notification that a faulted auth config refreshes again. */
export function authConfigRecoveredNotification(event: AccountEvent, since: number): Notification {
  return {
    idempotencyKey: `auth-config-recovered:${event.authConfigId}:${since}`,
    kind: "auth_config_recovered",
    title: `Auth config ${event.authConfigId} recovered`,
    text: "Refreshes under this auth config succeed again.",
    occurredAt: event.occurredAt ? timestampDate(event.occurredAt) : new Date(),
    metadata: {
      auth_config_id: event.authConfigId,
      org_id: event.orgId,
      project_id: event.projectId,
      fault_since: new Date(since).toISOString(),
    },
  };
}

/**
 * The one notification of a revoke job's breaker opening for an auth config
 * (the executor publishes the event once per job run and auth config; the
 * event id keys the notification, so a redelivery is dropped by receivers).
 */
export function revokeCircuitOpenNotification(event: AccountEvent): Notification {
  return {
    idempotencyKey:
      event.eventId || `revoke-circuit-open:${event.jobId}:${event.authConfigId}:${event.accountId}`,
    kind: "revoke_circuit_open",
    title: `Revoke job ${event.jobId}: stopped calling the provider for auth config ${event.authConfigId} (${event.errorCode})`,
    text: "The provider kept rejecting the OAuth client, so the auth config's remaining items in this job failed with circuit_open and no provider call. Fix the client with UpdateAuthConfig, then RetryRevokeJob resumes them.",
    occurredAt: event.occurredAt ? timestampDate(event.occurredAt) : new Date(),
    metadata: {
      job_id: event.jobId,
      auth_config_id: event.authConfigId,
      org_id: event.orgId,
      project_id: event.projectId,
      error_code: event.errorCode,
    },
  };
}
