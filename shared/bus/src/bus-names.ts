// Every JetStream and subject name Warden uses, derived from WARDEN_NAMESPACE
// so two stacks (or two test runs) can share one NATS without seeing each other.

// Same rule as WARDEN_NAMESPACE in @warden/config: lowercase only, so the
// upper-cased stream names below can never collide between namespaces.
const NAMESPACE = /^[a-z][a-z0-9_]{0,39}$/;
// A subject token: no separators, wildcards or whitespace.
const TOKEN = /^[^.*>\s]+$/;

/** The kinds of job event on `<ns>.events.job.<job_id>.<kind>`. */
export type JobEventKind = "created" | "progress" | "completed" | "cancelled";
/** The kinds of account event on `<ns>.events.account.<account_id>.<kind>`. */
export type AccountEventKind =
  | "refreshed"
  | "refresh_failed"
  | "needs_reconnect"
  | "revoked"
  | "deleted"
  /** A revoke job's breaker opened on this account's app-level failure (job_id, auth_config_id, error_code). */
  | "revoke_circuit_open";
/** The kinds of lease event on `<ns>.events.lease.<lease_id>.<kind>`. */
export type LeaseEventKind = "checked_out" | "checked_in" | "revoked" | "expired";

/** All names derived from one namespace; see DESIGN §4. */
export interface BusNames {
  namespace: string;
  subjects: {
    /** `<ns>.revoke.plan`: one message per job run. */
    revokePlan: string;
    /** `<ns>.revoke.item.<job_id>`: one message per connection of a job. */
    revokeItem(jobId: string): string;
    /** `<ns>.revoke.item.>`: every job's items (the items stream and its consumer). */
    revokeItems: string;
    /** `<ns>.refresh.due`: refresh-ahead requests. */
    refreshDue: string;
    /** `<ns>.events.>`: everything the events stream keeps. */
    events: string;
    jobEvent(jobId: string, kind: JobEventKind): string;
    /** `<ns>.events.job.<job_id>.>`, or every job's events without an id. */
    jobEvents(jobId?: string): string;
    accountEvent(accountId: string, kind: AccountEventKind): string;
    /** `<ns>.events.account.<account_id>.>`, or every account's events without an id. */
    accountEvents(accountId?: string): string;
    leaseEvent(leaseId: string, kind: LeaseEventKind): string;
    /** `<ns>.events.lease.<lease_id>.>`, or every lease's events without an id. */
    leaseEvents(leaseId?: string): string;
    /**
     * `<ns>.auth_config.<id>.updated` (core NATS, no stream): a nudge that an
     * auth config changed, so processes drop what they cached about it.
     */
    authConfigUpdated(authConfigId?: string): string;
  };
  streams: {
    revokePlan: string;
    revokeItems: string;
    refreshDue: string;
    events: string;
  };
  /**
   * Durable pull consumers. A work-queue stream allows one consumer per
   * subject, so each work stream has exactly one durable that every replica
   * shares; that sharing is how replicas split the work.
   */
  consumers: {
    revokePlanner: string;
    revokeExecutor: string;
    refreshAhead: string;
  };
}

/** Throws unless `value` can be used as one subject token (no `.`, `*`, `>` or whitespace). */
export function assertSubjectToken(name: string, value: string): string {
  if (!TOKEN.test(value))
    throw new Error(`${name} ${JSON.stringify(value)} cannot be used as a NATS subject token`);
  return value;
}

/** Derives every subject, stream and consumer name from `namespace`; throws on an invalid namespace. */
export function busNames(namespace: string): BusNames {
  if (!NAMESPACE.test(namespace)) {
    throw new Error(`namespace ${JSON.stringify(namespace)} must match ${NAMESPACE.source}`);
  }
  const ns = namespace;
  const NS = namespace.toUpperCase();
  const scoped = (area: string, id: string | undefined, label: string) =>
    id === undefined ? `${ns}.events.${area}.>` : `${ns}.events.${area}.${assertSubjectToken(label, id)}.>`;
  return {
    namespace,
    subjects: {
      revokePlan: `${ns}.revoke.plan`,
      revokeItem: (jobId) => `${ns}.revoke.item.${assertSubjectToken("job id", jobId)}`,
      revokeItems: `${ns}.revoke.item.>`,
      refreshDue: `${ns}.refresh.due`,
      events: `${ns}.events.>`,
      jobEvent: (jobId, kind) => `${ns}.events.job.${assertSubjectToken("job id", jobId)}.${kind}`,
      jobEvents: (jobId) => scoped("job", jobId, "job id"),
      accountEvent: (accountId, kind) =>
        `${ns}.events.account.${assertSubjectToken("account id", accountId)}.${kind}`,
      accountEvents: (accountId) => scoped("account", accountId, "account id"),
      leaseEvent: (leaseId, kind) => `${ns}.events.lease.${assertSubjectToken("lease id", leaseId)}.${kind}`,
      leaseEvents: (leaseId) => scoped("lease", leaseId, "lease id"),
      authConfigUpdated: (authConfigId) =>
        `${ns}.auth_config.${authConfigId === undefined ? "*" : assertSubjectToken("auth config id", authConfigId)}.updated`,
    },
    streams: {
      revokePlan: `${NS}_REVOKE_PLAN`,
      revokeItems: `${NS}_REVOKE_ITEMS`,
      refreshDue: `${NS}_REFRESH_DUE`,
      events: `${NS}_EVENTS`,
    },
    consumers: {
      revokePlanner: `${NS}_REVOKE_PLANNER`,
      revokeExecutor: `${NS}_REVOKE_EXECUTOR`,
      refreshAhead: `${NS}_REFRESH_AHEAD`,
    },
  };
}
