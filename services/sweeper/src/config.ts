import {
  baseVariables,
  dbPoolSizeVariable,
  millisecondsVariable,
  parseConfig,
  portVariable,
  requiredInProduction,
} from "@warden/config";
import { z } from "zod";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Every task the sweeper knows, by name. */
export const TASK_NAMES = [
  "jobs-recovery",
  "refresh-ahead",
  "leases-expiry",
  "secrets-purge",
  "ledger-retention",
  "reconnect-digest",
  "audit-retention",
  "secrets-reseal",
] as const;
export type TaskName = (typeof TASK_NAMES)[number];

const positiveMs = (defaultMs: number) =>
  millisecondsVariable(defaultMs).refine((v) => v > 0, "must be more than 0");
const urlList = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .pipe(
    z.array(
      z
        .string()
        .url("each entry must be a URL")
        .regex(/^https?:\/\//, "each entry must be http(s)"),
    ),
  );

const sweeperSchema = z
  .object({
    ...baseVariables,
    /** Operator key: the only credential SweeperService accepts. Unset: every call is refused. */
    WARDEN_ADMIN_KEY: z.string().min(16, "must be at least 16 characters").optional(),
    WARDEN_SWEEPER_PORT: portVariable(7072),
    WARDEN_PROBE_PORT: portVariable(9473),
    WARDEN_DB_POOL_SIZE: dbPoolSizeVariable(5),
    /** This replica's name as lease owner / leader; default host:pid. */
    WARDEN_SWEEPER_INSTANCE_ID: z
      .string()
      .regex(/^[^\s:]{1,100}$/, "no whitespace or colon, at most 100 characters")
      .optional(),
    /** Comma-separated task names to schedule on this replica; default all. */
    WARDEN_SWEEPER_TASKS: z
      .string()
      .optional()
      .transform((v) =>
        v
          ? v
              .split(",")
              .map((s) => s.trim())
              .filter(Boolean)
          : [...TASK_NAMES],
      )
      .pipe(z.array(z.enum(TASK_NAMES, { message: `each task must be one of ${TASK_NAMES.join(", ")}` }))),
    WARDEN_SWEEPER_LEASE_TTL_MS: positiveMs(30_000),
    /** Overrides every task interval (development and tests). */
    // No default: with one, zod would fill it in and override every task's own interval.
    WARDEN_SWEEPER_INTERVAL_MS: z.coerce.number().int().positive().optional(),
    // Short interval and timeouts: a job stalled by a NATS restart completes within 2 minutes of NATS
    // being back. A tick costs a few indexed job-row reads; only stalled jobs cost more.
    WARDEN_SWEEP_JOBS_RECOVERY_INTERVAL_MS: positiveMs(10_000),
    WARDEN_SWEEP_REFRESH_AHEAD_INTERVAL_MS: positiveMs(MINUTE),
    WARDEN_SWEEP_LEASES_EXPIRY_INTERVAL_MS: positiveMs(30_000),
    WARDEN_SWEEP_SECRETS_PURGE_INTERVAL_MS: positiveMs(10 * MINUTE),
    WARDEN_SWEEP_LEDGER_RETENTION_INTERVAL_MS: positiveMs(HOUR),
    WARDEN_SWEEP_RECONNECT_DIGEST_INTERVAL_MS: positiveMs(HOUR),
    WARDEN_SWEEP_AUDIT_RETENTION_INTERVAL_MS: positiveMs(HOUR),
    WARDEN_SWEEP_SECRETS_RESEAL_INTERVAL_MS: positiveMs(HOUR),
    /** Keys for secrets-reseal: everything not under the first key is re-sealed under it. */
    WARDEN_ENCRYPTION_KEYS: z.string().optional(),
    WARDEN_RECOVERY_ITEM_TIMEOUT_MS: positiveMs(30_000),
    WARDEN_RECOVERY_PLANNING_TIMEOUT_MS: positiveMs(30_000),
    WARDEN_REFRESH_AHEAD_WINDOW_MS: positiveMs(5 * MINUTE),
    WARDEN_PURGE_SAFETY_WINDOW_MS: millisecondsVariable(HOUR),
    WARDEN_LEDGER_RETENTION_MS: millisecondsVariable(30 * DAY),
    /** Audit events older than this are deleted (never younger than a day, whatever this says). */
    WARDEN_AUDIT_RETENTION_MS: positiveMs(90 * DAY),
    /** Retry backoff of failed runs and notification deliveries (×2 per failure, 20 % jitter). */
    WARDEN_RETRY_INITIAL_MS: positiveMs(1_000),
    WARDEN_RETRY_MAX_MS: positiveMs(HOUR),
    WARDEN_NOTIFY_WEBHOOK_URLS: urlList,
    WARDEN_NOTIFY_WEBHOOK_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
    WARDEN_NOTIFY_SLACK_URLS: urlList,
    WARDEN_NOTIFY_TIMEOUT_MS: positiveMs(10_000),
    /**
     * How long a replica's claim on an outbox notification lasts unrenewed: a
     * notification whose deliverer died is delivered again this long after.
     */
    WARDEN_NOTIFY_CLAIM_MS: positiveMs(MINUTE),
    /** How often each replica looks for notifications other replicas wrote (its own it delivers at once). */
    WARDEN_NOTIFY_POLL_INTERVAL_MS: positiveMs(5_000),
    /** Route events (job failures, lease expiry, auth config faults) to notifications. */
    WARDEN_NOTIFY_EVENTS: z
      .enum(["true", "false"], { message: "must be true or false" })
      .default("true")
      .transform((v) => v === "true"),
    WARDEN_SHUTDOWN_GRACE_MS: millisecondsVariable(10_000),
  })
  .superRefine((config, ctx) => {
    if (config.WARDEN_NOTIFY_WEBHOOK_URLS.length > 0 && !config.WARDEN_NOTIFY_WEBHOOK_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["WARDEN_NOTIFY_WEBHOOK_SECRET"],
        message: "is required when WARDEN_NOTIFY_WEBHOOK_URLS is set (webhooks are signed)",
      });
    }
    if (config.WARDEN_RETRY_MAX_MS < config.WARDEN_RETRY_INITIAL_MS) {
      ctx.addIssue({
        code: "custom",
        path: ["WARDEN_RETRY_MAX_MS"],
        message: "must be at least WARDEN_RETRY_INITIAL_MS",
      });
    }
  })
  .superRefine(requiredInProduction(["WARDEN_ENCRYPTION_KEYS"]));

export type SweeperConfig = z.output<typeof sweeperSchema>;

/** Parses the sweeper's environment; throws naming every bad variable (never echoing a value). */
export function loadSweeperConfig(env: NodeJS.ProcessEnv = process.env): SweeperConfig {
  return parseConfig(sweeperSchema, env);
}

/** The interval of one task: the global override if set, else its own. */
export function taskInterval(config: SweeperConfig, task: TaskName): number {
  if (config.WARDEN_SWEEPER_INTERVAL_MS !== undefined) return config.WARDEN_SWEEPER_INTERVAL_MS;
  const own: Record<TaskName, number> = {
    "jobs-recovery": config.WARDEN_SWEEP_JOBS_RECOVERY_INTERVAL_MS,
    "refresh-ahead": config.WARDEN_SWEEP_REFRESH_AHEAD_INTERVAL_MS,
    "leases-expiry": config.WARDEN_SWEEP_LEASES_EXPIRY_INTERVAL_MS,
    "secrets-purge": config.WARDEN_SWEEP_SECRETS_PURGE_INTERVAL_MS,
    "ledger-retention": config.WARDEN_SWEEP_LEDGER_RETENTION_INTERVAL_MS,
    "reconnect-digest": config.WARDEN_SWEEP_RECONNECT_DIGEST_INTERVAL_MS,
    "audit-retention": config.WARDEN_SWEEP_AUDIT_RETENTION_INTERVAL_MS,
    "secrets-reseal": config.WARDEN_SWEEP_SECRETS_RESEAL_INTERVAL_MS,
  };
  return own[task];
}
