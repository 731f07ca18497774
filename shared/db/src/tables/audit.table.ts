import type { ColumnType, Insertable, Selectable } from "kysely";

export type AuditActorKindColumn = "operator" | "api_key" | "lease" | "anonymous";

/**
 * The append-only audit log. Rows are only ever inserted (a trigger refuses
 * UPDATE, and DELETE except retention's), so every column is insert-only.
 */
export interface AuditEventsTable {
  id: ColumnType<string, string, never>;
  occurred_at: ColumnType<Date, Date, never>;
  actor_kind: ColumnType<AuditActorKindColumn, AuditActorKindColumn, never>;
  actor_id: ColumnType<string | null, string | null, never>;
  org_id: ColumnType<string | null, string | null, never>;
  /** The full RPC name, e.g. "warden.jobs.v1.JobsService/CreateRevokeJob". */
  action: ColumnType<string, string, never>;
  object_ids: ColumnType<string[], string[], never>;
  /** "ok" or the status code name in snake case. */
  outcome: ColumnType<string, string, never>;
  client_address: ColumnType<string, string, never>;
  reason: ColumnType<string, string, never>;
}

export type AuditEventRow = Selectable<AuditEventsTable>;
export type NewAuditEventRow = Insertable<AuditEventsTable>;
