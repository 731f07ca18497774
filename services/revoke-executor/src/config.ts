import {
  baseVariables,
  dbPoolSizeVariable,
  millisecondsVariable,
  parseConfig,
  portVariable,
  requiredInProduction,
} from "@warden/config";
import { z } from "zod";
import type { ExecutorSettings } from "./revoke-executor.js";

const positive = (defaultValue: number) => z.coerce.number().int().min(1).default(defaultValue);

const executorSchema = z
  .object({
    ...baseVariables,
    WARDEN_ENCRYPTION_KEYS: z.string().optional(),
    WARDEN_PROBE_PORT: portVariable(9471),
    /** Names this replica in heartbeats; defaults to hostname-pid. */
    WARDEN_INSTANCE_ID: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,100}$/, "must be 1-100 of A-Z a-z 0-9 _ . : -")
      .optional(),
    WARDEN_REVOKE_PER_AUTH_CONFIG: positive(32),
    WARDEN_REVOKE_MAX_IN_FLIGHT: positive(256),
    WARDEN_REVOKE_JOB_CONCURRENCY: positive(1_024),
    WARDEN_REVOKE_MAX_ATTEMPTS: positive(8),
    WARDEN_REVOKE_TIMEOUT_MS: millisecondsVariable(10_000),
    WARDEN_REVOKE_RETRY_BASE_MS: millisecondsVariable(1_000),
    WARDEN_REVOKE_RETRY_MAX_MS: millisecondsVariable(60_000),
    WARDEN_REVOKE_PLAN_BATCH: positive(5_000),
    WARDEN_REVOKE_LEDGER_BATCH: positive(500),
    /** How long an item delivery may go unacked (and un-extended) before NATS redelivers it. */
    WARDEN_REVOKE_ACK_WAIT_MS: z.coerce.number().int().min(1_000).default(15_000),
    WARDEN_SHUTDOWN_GRACE_MS: millisecondsVariable(20_000),
    WARDEN_DB_POOL_SIZE: dbPoolSizeVariable(10),
    /** Consecutive app-level failures (invalid_client, unauthorized_client, 401) that open a job's breaker per auth config. */
    WARDEN_REVOKE_BREAKER_THRESHOLD: positive(20),
    /**
     * With tracing on: provider calls per job run (per executor process) that get a span whatever
     * their outcome; past it only failed, retried, thrown and slow calls do. 0: only those.
     */
    WARDEN_TRACE_CALLS_PER_JOB: z.coerce.number().int().min(0).default(1_000),
  })
  .refine((c) => c.WARDEN_REVOKE_PER_AUTH_CONFIG <= c.WARDEN_REVOKE_MAX_IN_FLIGHT, {
    path: ["WARDEN_REVOKE_PER_AUTH_CONFIG"],
    message: "must not exceed WARDEN_REVOKE_MAX_IN_FLIGHT",
  })
  .superRefine(requiredInProduction(["WARDEN_ENCRYPTION_KEYS"]));

export type ExecutorConfig = z.output<typeof executorSchema>;

/** Parses the executor's environment; throws naming every bad variable. */
export function loadExecutorConfig(env: NodeJS.ProcessEnv = process.env): ExecutorConfig {
  return parseConfig(executorSchema, env);
}

/** The executor settings the configuration asks for, over the defaults. */
export function executorSettingsOf(config: ExecutorConfig, defaults: ExecutorSettings): ExecutorSettings {
  return {
    ...defaults,
    perAuthConfigLimit: config.WARDEN_REVOKE_PER_AUTH_CONFIG,
    globalInFlight: config.WARDEN_REVOKE_MAX_IN_FLIGHT,
    perJobConcurrency: config.WARDEN_REVOKE_JOB_CONCURRENCY,
    maxAttempts: config.WARDEN_REVOKE_MAX_ATTEMPTS,
    requestTimeoutMs: config.WARDEN_REVOKE_TIMEOUT_MS,
    retryBaseMs: config.WARDEN_REVOKE_RETRY_BASE_MS,
    retryMaxMs: config.WARDEN_REVOKE_RETRY_MAX_MS,
    planBatchSize: config.WARDEN_REVOKE_PLAN_BATCH,
    ledgerBatch: config.WARDEN_REVOKE_LEDGER_BATCH,
    itemAckWaitMs: config.WARDEN_REVOKE_ACK_WAIT_MS,
    breakerThreshold: config.WARDEN_REVOKE_BREAKER_THRESHOLD,
    tracedCallsPerJobRun: config.WARDEN_TRACE_CALLS_PER_JOB,
  };
}
