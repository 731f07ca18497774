import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { principalOf, type Principal } from "@warden/auth";
import type { Database, SweeperTaskRow } from "@warden/db";
import { failedPrecondition, invalidArgument, notFound, permissionDenied } from "@warden/errors";
import type { SweeperService } from "@warden/proto/sweeper/v1";
import { TaskSchema, type Task } from "@warden/proto/sweeper/v1";
import type { Redis } from "@warden/redis";
import type { Kysely } from "kysely";
import type { Scheduler } from "../scheduler/scheduler.js";
import type { SweeperTask } from "../scheduler/sweeper-task.js";
import { leaseOwner, taskLeaseKey } from "../scheduler/task-lease.js";
import { ensureTaskRow, readTaskRows } from "../scheduler/task-runs.repository.js";

export interface SweeperServiceDeps {
  db: Kysely<Database>;
  redis: Redis;
  scheduler: Scheduler;
}

// Operating the sweeper is an operator's job: only WARDEN_ADMIN_KEY may call it.
function requireOperatorKey(principal: Principal): void {
  if (principal.kind !== "operator")
    throw permissionDenied("SweeperService needs the operator key (WARDEN_ADMIN_KEY)");
}

/** SweeperService: task status (interval, last run, outcome, current leader) and manual runs under the task's lease. */
export function createSweeperService(deps: SweeperServiceDeps): ServiceImpl<typeof SweeperService> {
  const describe = async (tasks: readonly SweeperTask[]): Promise<Task[]> => {
    const rows = new Map(
      (
        await readTaskRows(
          deps.db,
          tasks.map((t) => t.name),
        )
      ).map((r) => [r.name, r]),
    );
    const holders = tasks.length === 0 ? [] : await deps.redis.mget(tasks.map((t) => taskLeaseKey(t.name)));
    return tasks.map((task, i) => toTask(task, rows.get(task.name), leaseOwner(holders[i] ?? null)));
  };
  return {
    async listTasks(_request, context) {
      requireOperatorKey(principalOf(context));
      return { tasks: await describe(deps.scheduler.tasks) };
    },
    async runTask(request, context) {
      requireOperatorKey(principalOf(context));
      if (!request.name) throw invalidArgument("name", "is required");
      const task = deps.scheduler.tasks.find((t) => t.name === request.name);
      if (task === undefined) throw notFound("task", request.name);
      await ensureTaskRow(deps.db, task.name);
      const result = await deps.scheduler.runNow(task.name);
      if (result.outcome === "busy") {
        throw failedPrecondition(
          `task ${task.name} is running on ${result.holder ?? "another replica"}; try again when it finishes`,
        );
      }
      const [described] = await describe([task]);
      return { task: described };
    },
  };
}

function toTask(task: SweeperTask, row: SweeperTaskRow | undefined, holder: string | undefined): Task {
  return create(TaskSchema, {
    name: task.name,
    interval: durationFromMs(task.intervalMs),
    ...(row?.last_run_at ? { lastRun: timestampFromDate(row.last_run_at) } : {}),
    lastOutcome: row?.last_outcome ?? "",
    leader: holder ?? "",
  });
}
