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
 * reconnect-digest: one notification per run listing the accounts that
 * entered NEEDS_RECONNECT since the previous digest (a watermark on the task's
 * row, in database time), grouped by auth config — never one per account.
 * The idempotency key is the covered time range, so a re-sent digest is dropped by receivers.
 */
export function createReconnectDigestTask(deps: TaskDeps, options: ReconnectDigestOptions): SweeperTask {
  return {
    name: TASK,
    intervalMs: options.intervalMs,
    async run(context) {
      const { rows } = await sql<{ now: Date; watermark: Date | null }>`
        select now() as now, (select watermark from sweeper_tasks where name = ${TASK}) as watermark`.execute(
        deps.db,
      );
      const until = rows[0]!.now;
      const since = rows[0]!.watermark ?? new Date(until.getTime() - options.intervalMs);
      const groups = await deps.db
        .selectFrom("connected_accounts")
        .select([
          "org_id",
          "project_id",
          "auth_config_id",
          sql<number>`count(*)::int`.as("count"),
          sql<string[]>`(array_agg(id order by id))[1:${sql.lit(MAX_LISTED)}]`.as("account_ids"),
        ])
        .where("status", "=", "needs_reconnect")
        .where("deleted_at", "is", null)
        .where("status_changed_at", ">", since)
        .where("status_changed_at", "<=", until)
        .groupBy(["org_id", "project_id", "auth_config_id"])
        .orderBy("auth_config_id")
        .execute();
      context.signal.throwIfAborted();
      const total = groups.reduce((sum, g) => sum + g.count, 0);
      if (total > 0) deps.notifications.dispatch(digestNotification(groups, total, since, until));
      await deps.db
        .insertInto("sweeper_tasks")
        .values({ name: TASK, watermark: until })
        .onConflict((oc) => oc.column("name").doUpdateSet({ watermark: until }))
        .execute();
      return { accounts: total, authConfigs: groups.length };
    },
  };
}

function digestNotification(
  groups: {
    org_id: string;
    project_id: string;
    auth_config_id: string;
    count: number;
    account_ids: string[];
  }[],
  total: number,
  since: Date,
  until: Date,
): Notification {
  const lines = groups.map((g) => `• auth config ${g.auth_config_id} (project ${g.project_id}): ${g.count}`);
  return {
    idempotencyKey: `reconnect-digest:${since.getTime()}:${until.getTime()}`,
    kind: "reconnect_digest",
    title: `${total} connected account${total === 1 ? "" : "s"} need a reconnect`,
    text: lines.join("\n"),
    occurredAt: until,
    metadata: {
      accounts: total,
      since: since.toISOString(),
      until: until.toISOString(),
      auth_configs: groups.map((g) => `${g.auth_config_id}:${g.count}`),
      account_ids: groups.flatMap((g) => g.account_ids).slice(0, MAX_LISTED),
    },
  };
}
