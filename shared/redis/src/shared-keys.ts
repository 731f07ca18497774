// Redis keys that more than one service reads or writes. Keys used by one
// service only live beside that service's code. ioredis adds the namespace.

/** The cached terminal refresh failure of one account (token-refresh writes, ReconnectAccount clears). */
export function accountRefreshFailureKey(accountId: string): string {
  return `refresh:failure:account:${accountId}`;
}

/** The cached app-level refresh failure (invalid_client …) of one auth config. */
export function authConfigRefreshFailureKey(authConfigId: string): string {
  return `refresh:failure:auth-config:${authConfigId}`;
}

/**
 * One revoke-executor replica's heartbeat (revoke-executor writes it with a
 * short TTL; GetPoolStatus reads every key with this prefix). Value: JSON
 * `{ instance, inFlight, redelivered, authConfigs: { [authConfigId]: { inFlight, limit } } }`,
 * `redelivered` being that replica's running total since it started.
 */
export function executorHeartbeatKey(instanceId: string): string {
  return `revoke-executor:heartbeat:${instanceId}`;
}

/** The pattern matching every executor heartbeat key (without the namespace prefix). */
export const EXECUTOR_HEARTBEAT_PATTERN = "revoke-executor:heartbeat:*";

/**
 * The pool's running total of redelivered revoke items (integer): each
 * executor adds what it saw since its previous heartbeat, so the total keeps
 * counting across heartbeats and outlives the replicas that contributed to it.
 */
export const EXECUTOR_REDELIVERED_KEY = "revoke-executor:redelivered";

/**
 * Consecutive app-level revoke failures of one auth config, per job run (a
 * hash: field `<job_id>:<run>`). The revoke-executor counts; UpdateAuthConfig
 * deletes it, so a fixed client starts from zero.
 */
export function revokeBreakerFailuresKey(authConfigId: string): string {
  return `revoke:breaker:failures:${authConfigId}`;
}

/** The open revoke breakers of one auth config (a hash: field `<job_id>:<run>`, value opened-at ms). */
export function revokeBreakerOpenKey(authConfigId: string): string {
  return `revoke:breaker:open:${authConfigId}`;
}
