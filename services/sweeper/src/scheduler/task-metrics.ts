import { Counter, Histogram, type Registry } from "prom-client";

/** The outcome of one attempt to run a task on one replica. */
export type RunOutcome = "success" | "failure" | "aborted" | "skipped_lock" | "skipped_backoff";

/** Prometheus series of the scheduler. */
export interface TaskMetrics {
  recordOutcome(task: string, outcome: RunOutcome): void;
  recordDuration(task: string, outcome: RunOutcome, seconds: number): void;
}

/** Registers `warden_sweeper_task_runs_total{task,outcome}` and `warden_sweeper_task_duration_seconds{task,outcome}`. */
export function createTaskMetrics(registry?: Registry): TaskMetrics {
  const registers = registry ? [registry] : [];
  const runs = new Counter({
    name: "warden_sweeper_task_runs_total",
    help: "Task run attempts by outcome; skipped_lock is another replica holding the task (normal).",
    labelNames: ["task", "outcome"],
    registers,
  });
  const duration = new Histogram({
    name: "warden_sweeper_task_duration_seconds",
    help: "Duration of task runs that executed.",
    labelNames: ["task", "outcome"],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
    registers,
  });
  return {
    recordOutcome: (task, outcome) => runs.inc({ task, outcome }),
    recordDuration: (task, outcome, seconds) => duration.observe({ task, outcome }, seconds),
  };
}
