import { sql } from "kysely";
import type { Notification } from "../notifications/notification.js";
import type { SweeperTask } from "../scheduler/sweeper-task.js";
import type { TaskDeps } from "./task-deps.js";

export interface ReconnectDigestOptions {
  intervalMs: number;
}

const MAX_LISTED = 100;
const TASK = "reconnect-digest";

/**
 * reconnect-digest: one notification per run listing the accounts whose
 * current NEEDS_RECONNECT episode no digest has reported yet, grouped by auth
 * config — never one per account. Each episode is claimed exactly once with
 * reconnect_notified_at in the same statement that reads it, so a status
 * change that commits late (or is stamped by a skewed clock) is still
 * reported by the next run instead of falling behind a time watermark.
 */
export function createReconnectDigestTask(deps: TaskDeps, options: ReconnectDigestOptions): SweeperTask {
  return {
    name: TASK,
    intervalMs: options.intervalMs,
    async run(context) {
      context.signal.throwIfAborted();
      const { rows: groups } = await sql<DigestGroup>`
        with claimed as (
          update connected_accounts
             set reconnect_notified_at = greatest(now(), status_changed_at)
           where status = 'needs_reconnect'
             and deleted_at is null
             and (reconnect_notified_at is null or reconnect_notified_at < status_changed_at)
          returning id, org_id, project_id, auth_config_id
        )
        select org_id, project_id, auth_config_id, count(*)::int as count,
               (array_agg(id order by id))[1:${sql.lit(MAX_LISTED)}] as account_ids,
               now() as claimed_at
          from claimed
         group by org_id, project_id, auth_config_id
         order by auth_config_id`.execute(deps.db);
      const total = groups.reduce((sum, g) => sum + g.count, 0);
      if (total > 0) deps.notifications.dispatch(digestNotification(groups, total, groups[0]!.claimed_at));
      return { accounts: total, authConfigs: groups.length };
    },
  };
}

interface DigestGroup {
  org_id: string;
  project_id: string;
  auth_config_id: string;
  count: number;
  account_ids: string[];
  claimed_at: Date;
}

function digestNotification(groups: DigestGroup[], total: number, claimedAt: Date): Notification {
  const lines = groups.map((g) => `• auth config ${g.auth_config_id} (project ${g.project_id}): ${g.count}`);
  return {
    // The claim's transaction time and its first account identify one digest.
    idempotencyKey: `reconnect-digest:${claimedAt.getTime()}:${groups[0]!.account_ids[0]}`,
    kind: "reconnect_digest",
    title: `${total} connected account${total === 1 ? "" : "s"} need a reconnect`,
    text: lines.join("\n"),
    occurredAt: claimedAt,
    metadata: {
      accounts: total,
      auth_configs: groups.map((g) => `${g.auth_config_id}:${g.count}`),
      account_ids: groups.flatMap((g) => g.account_ids).slice(0, MAX_LISTED),
    },
  };
}
