import { sql } from "kysely";
import type { Notification } from "../notifications/notification.js";
import { enqueueNotifications } from "../notifications/notification-outbox.repository.js";
import type { SweeperTask } from "../scheduler/sweeper-task.js";
import type { TaskDeps } from "./task-deps.js";

export interface ReconnectDigestOptions {
  intervalMs: number;
}

const MAX_LISTED = 100;
const TASK = "reconnect-digest";
/** token-refresh's status_reason for a rotated refresh token that died with its process (DESIGN §8). */
const ROTATION_LOST = "rotation_lost";

/**
 * Claims every NEEDS_RECONNECT episode no digest reported yet (reconnect_notified_at
 * set in the statement that reads it) and returns them grouped by auth config,
 * each rotation_lost account on a row of its own.
 */
const claimEpisodes = sql<ClaimedRow>`
  with claimed as (
    update connected_accounts
       set reconnect_notified_at = greatest(now(), status_changed_at)
     where status = 'needs_reconnect'
       and deleted_at is null
       and (reconnect_notified_at is null or reconnect_notified_at < status_changed_at)
    returning id, org_id, project_id, auth_config_id, status_reason, status_changed_at
  )
  select false as rotation_lost, org_id, project_id, auth_config_id, count(*)::int as count,
         (array_agg(id order by id))[1:${sql.lit(MAX_LISTED)}] as account_ids,
         null::timestamptz as status_changed_at, now() as claimed_at
    from claimed
   where status_reason is distinct from ${ROTATION_LOST}
   group by org_id, project_id, auth_config_id
  union all
  select true, org_id, project_id, auth_config_id, 1, array[id],
         status_changed_at, now()
    from claimed
   where status_reason = ${ROTATION_LOST}
   order by auth_config_id`;

/**
 * reconnect-digest: one notification per run listing the accounts whose
 * current NEEDS_RECONNECT episode no digest has reported yet, grouped by auth
 * config — never one per account — except accounts that lost a rotated
 * refresh token to a crash (`rotation_lost`): those are Warden's fault, not the
 * user's, so each gets a notification of its own, with the reason. Each
 * episode is claimed exactly once with reconnect_notified_at in the same
 * statement that reads it, so a status change that commits late (or is
 * stamped by a skewed clock) is still reported by the next run instead of
 * falling behind a time watermark, and no account is reported twice. The
 * notifications are written to the notification outbox in the claim's
 * transaction and delivered from there, so a crash never loses a claimed
 * episode's report.
 */
export function createReconnectDigestTask(deps: TaskDeps, options: ReconnectDigestOptions): SweeperTask {
  return {
    name: TASK,
    intervalMs: options.intervalMs,
    async run(context) {
      context.signal.throwIfAborted();
      // The claim and the notifications reporting it commit together (DESIGN §8): a
      // sweeper that dies after the commit leaves them in the outbox for any replica
      // to deliver; one that dies before it leaves the accounts unclaimed.
      const { rows, outgoing } = await deps.db.transaction().execute(async (trx) => {
        const claimed = (await claimEpisodes.execute(trx)).rows;
        const groups = claimed.filter((row) => !row.rotation_lost);
        const total = groups.reduce((sum, g) => sum + g.count, 0);
        const notifications = [
          ...(total > 0 ? [digestNotification(groups, total, groups[0]!.claimed_at)] : []),
          ...claimed.filter((row) => row.rotation_lost).map(rotationLostNotification),
        ];
        await enqueueNotifications(trx, notifications);
        return { rows: claimed, outgoing: notifications };
      });
      if (outgoing.length > 0) deps.notificationDelivery?.nudge();
      const total = rows.reduce((sum, row) => sum + row.count, 0);
      return { accounts: total, authConfigs: new Set(rows.map((r) => r.auth_config_id)).size };
    },
  };
}

interface ClaimedRow {
  rotation_lost: boolean;
  org_id: string;
  project_id: string;
  auth_config_id: string;
  count: number;
  account_ids: string[];
  /** Set on rotation_lost rows: when the account entered this episode. */
  status_changed_at: Date | null;
  claimed_at: Date;
}

function digestNotification(groups: ClaimedRow[], total: number, claimedAt: Date): Notification {
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

function rotationLostNotification(row: ClaimedRow): Notification {
  const accountId = row.account_ids[0]!;
  const since = row.status_changed_at ?? row.claimed_at;
  return {
    // One episode of one account: a repeat of this claim (there is none) would dedupe at the receiver.
    idempotencyKey: `rotation-lost:${accountId}:${since.getTime()}`,
    kind: "refresh_rotation_lost",
    title: `Connected account ${accountId} needs a reconnect: its refreshed token was lost`,
    text:
      `A token-refresh process died after the provider rotated this account's refresh token and before ` +
      `storing the new one, so the provider refused the old token. The user must reconnect ` +
      `(auth config ${row.auth_config_id}, project ${row.project_id}).`,
    occurredAt: since,
    metadata: {
      account_id: accountId,
      auth_config_id: row.auth_config_id,
      org_id: row.org_id,
      project_id: row.project_id,
      status_reason: ROTATION_LOST,
    },
  };
}
