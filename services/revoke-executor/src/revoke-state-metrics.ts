// Gauges read when Prometheus scrapes, not kept up to date on the hot path:
// jobs by status and the oldest silence of a live job (one grouped query on
// revoke_jobs, which holds one row per job, not per item), and each running
// job's consumer backlog (one JetStream info call per job this executor serves).
import type { Database } from "@warden/db";
import { sql, type Kysely } from "kysely";
import type { JetStreamManager } from "nats";
import { Gauge, type Registry } from "prom-client";
import { jobConsumerName } from "./consumers/job-consumer.js";

/** Names of the scrape-time gauges. */
export const REVOKE_STATE_METRIC_NAMES = {
  jobs: "warden_revoke_jobs",
  jobIdleSeconds: "warden_revoke_job_idle_seconds",
  consumerPending: "warden_revoke_consumer_pending",
  consumerAckPending: "warden_revoke_consumer_ack_pending",
} as const;

const JOB_STATUSES = ["planning", "running", "completed", "cancelled"] as const;

/** What the scrape-time gauges read. */
export interface RevokeStateMetricsDeps {
  db: Kysely<Database>;
  jsm: JetStreamManager;
  itemsStream: string;
  /** The jobs whose item consumers this executor runs now. */
  runningJobs: () => string[];
  /** A scrape never waits longer than this for PostgreSQL or NATS; a slow source is left out. */
  timeoutMs?: number;
}

/**
 * Registers the gauges that are computed on scrape. Each scrape costs one
 * grouped query and one consumer-info request per running job; a failing or
 * slow source leaves its gauge empty for that scrape rather than failing /metrics.
 */
export function registerRevokeStateMetrics(registry: Registry, deps: RevokeStateMetricsDeps): void {
  const timeoutMs = deps.timeoutMs ?? 1_000;
  if (registry.getSingleMetric(REVOKE_STATE_METRIC_NAMES.jobs) !== undefined) return;

  const idle = new Gauge({
    name: REVOKE_STATE_METRIC_NAMES.jobIdleSeconds,
    help: "Seconds since the least recently updated planning or running job last changed (0 when none is live).",
    registers: [registry],
  });
  new Gauge({
    name: REVOKE_STATE_METRIC_NAMES.jobs,
    help: "Revoke jobs by status.",
    labelNames: ["status"],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await within(
        deps.db
          .selectFrom("revoke_jobs")
          .select([
            "status",
            sql<string>`count(*)`.as("jobs"),
            sql<number | null>`extract(epoch from now() - min(updated_at))`.as("idle"),
          ])
          .groupBy("status")
          .execute(),
        timeoutMs,
      );
      if (rows === undefined) return;
      let oldest = 0;
      for (const status of JOB_STATUSES) this.set({ status }, 0);
      for (const row of rows) {
        this.set({ status: row.status }, Number(row.jobs));
        if ((row.status === "planning" || row.status === "running") && row.idle !== null)
          oldest = Math.max(oldest, Number(row.idle));
      }
      idle.set(oldest);
    },
  });
  const ackPending = new Gauge({
    name: REVOKE_STATE_METRIC_NAMES.consumerAckPending,
    help: "Items of a running job delivered and not yet acked (in work or waiting for a retry), by job.",
    labelNames: ["job_id"],
    registers: [registry],
  });
  new Gauge({
    name: REVOKE_STATE_METRIC_NAMES.consumerPending,
    help: "Items of a running job not yet delivered by its JetStream consumer, by job.",
    labelNames: ["job_id"],
    registers: [registry],
    async collect() {
      this.reset();
      ackPending.reset();
      await Promise.all(
        deps.runningJobs().map(async (jobId) => {
          const info = await within(
            deps.jsm.consumers.info(deps.itemsStream, jobConsumerName(jobId)),
            timeoutMs,
          );
          if (info === undefined) return;
          this.set({ job_id: jobId }, info.num_pending);
          ackPending.set({ job_id: jobId }, info.num_ack_pending);
        }),
      );
    },
  });
}

// Resolves undefined when the source fails or is slower than `ms`.
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise.catch(() => undefined), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
