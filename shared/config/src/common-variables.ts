import { z } from "zod";

// Building blocks for each service's own schema (a service composes only what
// it uses; there is no one schema shared by every service).

const NAMESPACE = /^[a-z][a-z0-9_]{0,39}$/;

/** WARDEN_NAMESPACE: one prefix for schema, streams, subjects and Redis keys. */
export const namespaceVariable = z
  .string()
  .regex(NAMESPACE, "must match ^[a-z][a-z0-9_]{0,39}$ (it names a Postgres schema, streams and subjects)")
  .default("warden");

/** DATABASE_URL */
export const databaseUrlVariable = z
  .string()
  .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
  .default("postgres://postgres@127.0.0.1:5432/postgres");

/** REDIS_URL */
export const redisUrlVariable = z
  .string()
  .regex(/^rediss?:\/\//, "must be a redis:// URL")
  .default("redis://127.0.0.1:6379");

/** NATS_URL: comma-separated for a cluster. */
export const natsUrlVariable = z
  .string()
  .default("nats://127.0.0.1:4222")
  .transform((value) =>
    value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^(nats|tls):\/\/[^\s]+$/, "each server must be a nats:// URL")).min(1));

/** A TCP port number from the environment. */
export function portVariable(defaultPort: number) {
  return z.coerce.number().int().min(0).max(65535).default(defaultPort);
}

/** A duration in milliseconds from the environment, e.g. "30000". */
export function millisecondsVariable(defaultMs: number) {
  return z.coerce.number().int().min(0).default(defaultMs);
}

/**
 * WARDEN_DB_POOL_SIZE: PostgreSQL connections this process may hold. The defaults are
 * sized so a whole local stack (gateway 8 + executor 10 + token-refresh 10 + sweeper 5 = 33)
 * and the test suite running beside it stay well under PostgreSQL's default 100.
 */
export function dbPoolSizeVariable(defaultSize: number) {
  return z.coerce.number().int().min(2).max(200).default(defaultSize);
}

/** LOG_LEVEL */
export const logLevelVariable = z
  .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
  .default("info");

/** WARDEN_STREAM_REPLICAS: JetStream stream replicas (1 on one server, 3 on a three-node cluster). */
export const streamReplicasVariable = z.coerce.number().int().min(1).max(5).default(1);

/** The variables every Warden service reads. */
export const baseVariables = {
  WARDEN_NAMESPACE: namespaceVariable,
  WARDEN_STREAM_REPLICAS: streamReplicasVariable,
  DATABASE_URL: databaseUrlVariable,
  REDIS_URL: redisUrlVariable,
  NATS_URL: natsUrlVariable,
  LOG_LEVEL: logLevelVariable,
};
