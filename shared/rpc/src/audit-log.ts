import { appendAuditEvents, type Database, type NewAuditEventRow } from "@warden/db";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { Counter, Gauge, type Registry } from "prom-client";

/** Where the audit interceptor writes; insert-only. */
export interface AuditLog {
  /** Inserts the event now; rejects if it could not be written. */
  append(event: NewAuditEventRow): Promise<void>;
  /**
   * Queues the event for a background batch insert. The queue is bounded:
   * past `capacity` the event is dropped and warden_audit_dropped_total counts it.
   */
  enqueue(event: NewAuditEventRow): void;
  /** Resolves when everything queued so far is written (or dropped). */
  flush(): Promise<void>;
  /** Stops retrying and writes what is queued, once. */
  close(): Promise<void>;
}

export interface AuditLogOptions {
  db: Kysely<Database>;
  logger: Logger;
  registry?: Registry;
  /** Most events held in memory waiting to be written. Default 10,000. */
  capacity?: number;
  /** Wait before retrying a failed background write. Default 1 s. */
  retryMs?: number;
}

const BATCH = 500;

/**
 * Builds the audit log writer: awaited single inserts for calls that must not
 * answer before their row exists, and a bounded, batched background queue for
 * the rest (failed authentications, which an attacker can produce at will and
 * which must not turn into one database write per junk request). A failed
 * background write is retried; nothing is dropped silently.
 */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  const { db, logger } = options;
  const capacity = options.capacity ?? 10_000;
  const metrics = auditMetrics(options.registry);
  const queue: NewAuditEventRow[] = [];
  let draining: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let closed = false;
  let group: { batch: NewAuditEventRow[]; written: Promise<void> } | undefined;

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, BATCH);
      try {
        await appendAuditEvents(db, batch);
        queue.splice(0, batch.length);
        metrics?.queued.set(queue.length);
      } catch (error) {
        metrics?.failures.inc();
        logger.error({ err: error, queued: queue.length }, "audit log write failed; will retry");
        if (!closed) retryTimer = setTimeout(schedule, options.retryMs ?? 1000).unref();
        return;
      }
    }
  }

  function schedule(): Promise<void> {
    retryTimer = undefined;
    draining ??= drain().finally(() => (draining = undefined));
    return draining;
  }

  return {
    append(event) {
      // Group commit: calls that arrive in the same turn of the event loop
      // share one INSERT (a hot token-read path would otherwise pay one round
      // trip each); each caller still waits for its own row to be written.
      if (!group || group.batch.length >= BATCH) {
        const batch: NewAuditEventRow[] = [];
        const written = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
          if (group?.batch === batch) group = undefined;
          try {
            await appendAuditEvents(db, batch);
          } catch (error) {
            metrics?.failures.inc();
            throw error;
          }
        });
        group = { batch, written };
      }
      group.batch.push(event);
      return group.written;
    },
    enqueue(event) {
      if (queue.length >= capacity) {
        metrics?.dropped.inc();
        logger.warn({ action: event.action, outcome: event.outcome }, "audit queue full; event dropped");
        return;
      }
      queue.push(event);
      metrics?.queued.set(queue.length);
      if (!retryTimer) void schedule();
    },
    async flush() {
      while (queue.length > 0 && !closed) {
        await schedule();
        if (retryTimer) return;
      }
    },
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      retryTimer = undefined;
      await (draining ?? drain());
    },
  };
}

function auditMetrics(registry: Registry | undefined) {
  if (!registry) return undefined;
  const existing = registry.getSingleMetric("warden_audit_dropped_total");
  if (existing)
    return {
      dropped: existing as Counter,
      failures: registry.getSingleMetric("warden_audit_write_failures_total") as Counter,
      queued: registry.getSingleMetric("warden_audit_queued") as Gauge,
    };
  return {
    dropped: new Counter({
      name: "warden_audit_dropped_total",
      help: "Audit events dropped because the background queue was full.",
      registers: [registry],
    }),
    failures: new Counter({
      name: "warden_audit_write_failures_total",
      help: "Audit log inserts that failed (background ones are retried).",
      registers: [registry],
    }),
    queued: new Gauge({
      name: "warden_audit_queued",
      help: "Audit events waiting in memory to be written.",
      registers: [registry],
    }),
  };
}
