/** Which dependency an infrastructure failure came from, when the error says so. */
export type InfrastructureDependency = "postgres" | "redis" | "nats" | "network";

/** A failure of a dependency (not of the caller's request), safe to retry later. */
export interface InfrastructureFailure {
  dependency: InfrastructureDependency;
  /** A short, secret-free token such as an error code; never the raw message. */
  reason: string;
}

// Node system errors raised by any socket client (pg, ioredis, nats, fetch)
// when the peer cannot be reached. They do not say which dependency failed.
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNABORTED",
]);

// SQLSTATE class 08 (connection exception), 57P01-57P03 (admin/crash
// shutdown, cannot connect now) and 53300 (too many connections) mean the
// server is not taking our query, not that the query is wrong.
const PG_UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[1-3]|53300)$/;

// pg and pg-pool report lost or timed-out connections with plain Errors.
const PG_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Client has encountered a connection error and is not queryable/,
  /^Cannot use a pool after calling end on the pool/,
  /^Client was closed and is not queryable/,
];

const REDIS_MESSAGES = [
  /^Connection is closed\.?$/,
  /^Stream isn't writeable/,
  /^Reached the max retries per request limit/,
  /^All sentinels are unreachable/,
  /^(LOADING|READONLY|CLUSTERDOWN|TRYAGAIN|MASTERDOWN) /,
];

// nats.js v2 NatsError codes; "503" is "no responders" (nobody subscribed,
// or JetStream is not up yet).
const NATS_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_DRAINING",
  "CONNECTION_REFUSED",
  "CONNECTION_TIMEOUT",
  "DISCONNECT",
  "TIMEOUT",
  "503",
]);

/**
 * Recognises errors meaning "a dependency is down or unreachable" (pg,
 * ioredis, nats, sockets), following `cause` and AggregateError chains;
 * returns undefined for anything else, so real bugs are not disguised as outages.
 */
export function classifyInfrastructureError(error: unknown, depth = 0): InfrastructureFailure | undefined {
  if (depth > 5 || typeof error !== "object" || error === null) return undefined;
  const direct = classifyOne(error as ErrorLike);
  if (direct) return direct;
  const { cause, errors } = error as ErrorLike;
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = classifyInfrastructureError(inner, depth + 1);
      if (found) return found;
    }
  }
  return classifyInfrastructureError(cause, depth + 1);
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

function classifyOne(error: ErrorLike): InfrastructureFailure | undefined {
  const name = typeof error.name === "string" ? error.name : "";
  const code = typeof error.code === "string" ? error.code : "";
  const message = typeof error.message === "string" ? error.message : "";

  if (name === "NatsError" && NATS_CODES.has(code)) return { dependency: "nats", reason: code };
  if (name === "MaxRetriesPerRequestError") return { dependency: "redis", reason: "max_retries_per_request" };
  if (REDIS_MESSAGES.some((pattern) => pattern.test(message)))
    return { dependency: "redis", reason: "connection" };
  if (PG_UNAVAILABLE_SQLSTATE.test(code)) return { dependency: "postgres", reason: code };
  if (PG_MESSAGES.some((pattern) => pattern.test(message)))
    return { dependency: "postgres", reason: "connection" };
  if (NETWORK_CODES.has(code)) return { dependency: "network", reason: code };
  // AbortSignal.timeout() around a dependency call.
  if (name === "TimeoutError") return { dependency: "network", reason: "timeout" };
  return undefined;
}
