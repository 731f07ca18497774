import { Registry } from "prom-client";
import { waitFor } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PermanentError, type RetryPolicy } from "../retry-policy.js";
import { openTestInfrastructure, type TestInfrastructure } from "../test-infrastructure.js";
import { createScheduler, type Scheduler } from "./scheduler.js";
import type { SweeperTask } from "./sweeper-task.js";
import { taskLeaseKey } from "./task-lease.js";
import { createTaskMetrics } from "./task-metrics.js";

let infra: TestInfrastructure;
const schedulers: Scheduler[] = [];
const SLOW: RetryPolicy = { initialMs: 60_000, factor: 2, maxMs: 3_600_000, jitter: 0.2 };

beforeAll(async () => {
  infra = await openTestInfrastructure("sched");
});
afterAll(async () => {
  await Promise.all(schedulers.map((s) => s.stop()));
  await infra?.close();
});

function scheduler(tasks: SweeperTask[], instanceId: string, registry = new Registry()): Scheduler {
  const s = createScheduler({
    db: infra.database.db,
    redis: infra.redis,
    logger: infra.logger,
    metrics: createTaskMetrics(registry),
    tasks,
    instanceId,
    leaseTtlMs: 600,
    retryPolicy: SLOW,
  });
  schedulers.push(s);
  return s;
}

const runRow = (task: string) =>
  infra.database.db.selectFrom("sweeper_task_runs").selectAll().where("task", "=", task).execute();
const taskRow = (task: string) =>
  infra.database.db
    .selectFrom("sweeper_tasks")
    .selectAll()
    .where("name", "=", task)
    .executeTakeFirstOrThrow();

describe("scheduler", () => {
  it("aborts a run whose lease is stolen, and never deletes the thief's lease", async () => {
    let started = false;
    let sawAbort = false;
    const task: SweeperTask = {
      name: "steal-me",
      intervalMs: 3_600_000,
      async run({ signal }) {
        started = true;
        while (!signal.aborted) await new Promise((r) => setTimeout(r, 20));
        sawAbort = true;
      },
    };
    const s = scheduler([task], "replica-a");
    s.start();
    await waitFor(() => started, { message: "the run to start" });
    await infra.redis.set(taskLeaseKey(task.name), "thief:123", "PX", 60_000);
    await waitFor(async () => (await runRow(task.name))[0]?.outcome === "aborted", {
      message: "the run to be recorded as aborted",
    });
    // The run is recorded aborted at once; the task notices its signal on its next 20 ms check.
    await waitFor(() => sawAbort, { message: "the task to see its signal abort" });
    expect((await runRow(task.name))[0]?.error).toMatch(/lease of task steal-me lost/);
    expect(await infra.redis.get(taskLeaseKey(task.name))).toBe("thief:123");
    await s.stop();
  });

  it("runs a slot once across two replicas and counts the loser as skipped_lock", async () => {
    let runs = 0;
    const make = (): SweeperTask => ({
      name: "once",
      intervalMs: 3_600_000,
      async run() {
        runs++;
        await new Promise((r) => setTimeout(r, 200));
      },
    });
    const registries = [new Registry(), new Registry()];
    const a = scheduler([make()], "replica-a", registries[0]);
    const b = scheduler([make()], "replica-b", registries[1]);
    a.start();
    b.start();
    await waitFor(async () => (await runRow("once"))[0]?.outcome === "success", { message: "one run" });
    await new Promise((r) => setTimeout(r, 500));
    expect(runs).toBe(1);
    const text = (await registries[0]!.metrics()) + (await registries[1]!.metrics());
    expect(text).toMatch(/warden_sweeper_task_runs_total\{task="once",outcome="skipped_lock"\} 1/);
    expect(text).toMatch(/warden_sweeper_task_runs_total\{task="once",outcome="success"\} 1/);
    expect(infra.logLines.join("")).not.toMatch(/"level":40[^\n]*lease held/);
    await Promise.all([a.stop(), b.stop()]);
  });

  it("backs off after a failure (shared through the database) and does not retry a permanent one", async () => {
    const failing: SweeperTask = {
      name: "flaky",
      intervalMs: 3_600_000,
      async run() {
        throw new Error("provider down");
      },
    };
    const permanent: SweeperTask = {
      name: "misconfigured",
      intervalMs: 3_600_000,
      async run() {
        throw new PermanentError("bad webhook url");
      },
    };
    const s = scheduler([failing, permanent], "replica-a");
    s.start();
    await waitFor(async () => (await taskRow("flaky")).last_outcome === "failure", {
      message: "flaky failed",
    });
    await waitFor(async () => (await taskRow("misconfigured")).last_outcome === "failure", {
      message: "permanent failed",
    });
    const flaky = await taskRow("flaky");
    expect(flaky.consecutive_failures).toBe(1);
    const delay = flaky.retry_at!.getTime() - Date.now();
    expect(delay).toBeGreaterThan(30_000);
    expect(delay).toBeLessThanOrEqual(72_000);
    expect((await taskRow("misconfigured")).retry_at).toBeNull();
    expect((await runRow("misconfigured"))[0]?.retryable).toBe(false);
    // A second replica respects the backoff rather than retrying at once.
    const other = scheduler([{ ...failing }], "replica-b");
    other.start();
    await new Promise((r) => setTimeout(r, 300));
    expect((await taskRow("flaky")).runs).toBe(1);
    await Promise.all([s.stop(), other.stop()]);
  });

  it("runs a task now under its lease, and reports busy while another run holds it", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const task: SweeperTask = { name: "manual", intervalMs: 3_600_000, run: () => gate };
    const a = scheduler([task], "replica-a");
    const b = scheduler([task], "replica-b");
    const first = a.runNow("manual");
    await waitFor(async () => (await infra.redis.get(taskLeaseKey("manual"))) !== null, {
      message: "lease taken",
    });
    expect(await b.runNow("manual")).toEqual({ outcome: "busy", holder: "replica-a" });
    release();
    expect(await first).toEqual({ outcome: "success" });
    expect(await infra.redis.get(taskLeaseKey("manual"))).toBeNull();
    expect((await taskRow("manual")).runs).toBe(1);
  });
});
