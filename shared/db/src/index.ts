export type { Database } from "./database.js";
export type {
  AuthConfigsTable,
  ConnectedAccountsTable,
  AuthConfigRow,
  NewAuthConfigRow,
  ConnectedAccountRow,
  NewConnectedAccountRow,
  ConnectedAccountUpdate,
  ClientAuthColumn,
  ResponseStyleColumn,
  RevokeMethodColumn,
  AccountStatusColumn,
} from "./tables/accounts.table.js";
export type {
  OrgsTable,
  ProjectsTable,
  ApiKeysTable,
  OrgRow,
  ProjectRow,
  ApiKeyRow,
  NewApiKeyRow,
} from "./tables/tenancy.table.js";
export type {
  RevokeJobsTable,
  RevokeItemsTable,
  RevokeJobRow,
  NewRevokeJobRow,
  RevokeItemRow,
  NewRevokeItemRow,
  ScopeKindColumn,
  JobStatusColumn,
  ItemStatusColumn,
} from "./tables/revoke.table.js";
export type {
  LeasesTable,
  SweeperTasksTable,
  LeaseRow,
  NewLeaseRow,
  LeaseStatusColumn,
  SweeperTaskRow,
  SweeperTaskRunsTable,
  SweeperTaskRunRow,
  SweeperRunOutcomeColumn,
} from "./tables/leases.table.js";
export type {
  ConnectSessionsTable,
  ConnectSessionRow,
  NewConnectSessionRow,
  ConnectSessionStatusColumn,
} from "./tables/connect.table.js";
export type {
  OutboxBatchesTable,
  OutboxBatchRow,
  NewOutboxBatchRow,
  NotificationOutboxTable,
  NotificationOutboxRow,
  NewNotificationOutboxRow,
} from "./tables/outbox.table.js";
export type {
  AuditEventsTable,
  AuditEventRow,
  NewAuditEventRow,
  AuditActorKindColumn,
} from "./tables/audit.table.js";
export type { AuditEventFilter } from "./audit-events.repository.js";
export { appendAuditEvents, listAuditEvents, deleteAuditEventsBefore } from "./audit-events.repository.js";
export type { DatabaseOptions, DatabaseHandle } from "./create-database.js";
export { createDatabase } from "./create-database.js";
export { executeNamed } from "./named-statements.js";
export { migrateToLatest, dropNamespaceSchema } from "./migrate.js";
export type { KeysetPageRequest } from "./keyset-cursor.js";
export { CursorCodec, pageSize, readKeysetPage } from "./keyset-cursor.js";
