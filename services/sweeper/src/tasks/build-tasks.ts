import { taskInterval, type SweeperConfig, type TaskName } from "../config.js";
import type { SweeperTask } from "../scheduler/sweeper-task.js";
import { createAuditRetentionTask } from "./audit-retention.js";
import { createJobsRecoveryTask } from "./jobs-recovery.js";
import { createLeasesExpiryTask } from "./leases-expiry.js";
import { createLedgerRetentionTask } from "./ledger-retention.js";
import { createReconnectDigestTask } from "./reconnect-digest.js";
import { createRefreshAheadTask } from "./refresh-ahead.js";
import { createSecretsPurgeTask } from "./secrets-purge.js";
import type { TaskDeps } from "./task-deps.js";

/** Builds every task with its configured interval and windows. */
export function buildAllTasks(deps: TaskDeps, config: SweeperConfig): Record<TaskName, SweeperTask> {
  return {
    "jobs-recovery": createJobsRecoveryTask(deps, {
      intervalMs: taskInterval(config, "jobs-recovery"),
      itemTimeoutMs: config.WARDEN_RECOVERY_ITEM_TIMEOUT_MS,
      planningTimeoutMs: config.WARDEN_RECOVERY_PLANNING_TIMEOUT_MS,
    }),
    "refresh-ahead": createRefreshAheadTask(deps, {
      intervalMs: taskInterval(config, "refresh-ahead"),
      windowMs: config.WARDEN_REFRESH_AHEAD_WINDOW_MS,
    }),
    "leases-expiry": createLeasesExpiryTask(deps, { intervalMs: taskInterval(config, "leases-expiry") }),
    "secrets-purge": createSecretsPurgeTask(deps, {
      intervalMs: taskInterval(config, "secrets-purge"),
      safetyWindowMs: config.WARDEN_PURGE_SAFETY_WINDOW_MS,
    }),
    "ledger-retention": createLedgerRetentionTask(deps, {
      intervalMs: taskInterval(config, "ledger-retention"),
      retentionMs: config.WARDEN_LEDGER_RETENTION_MS,
    }),
    "reconnect-digest": createReconnectDigestTask(deps, {
      intervalMs: taskInterval(config, "reconnect-digest"),
    }),
    "audit-retention": createAuditRetentionTask(deps, {
      intervalMs: taskInterval(config, "audit-retention"),
      retentionMs: config.WARDEN_AUDIT_RETENTION_MS,
    }),
  };
}
