import type { AuditEventsTable } from "./tables/audit.table.js";
import type { AuthConfigsTable, ConnectedAccountsTable } from "./tables/accounts.table.js";
import type { ConnectSessionsTable } from "./tables/connect.table.js";
import type { LeasesTable, SweeperTaskRunsTable, SweeperTasksTable } from "./tables/leases.table.js";
import type { NotificationOutboxTable, OutboxBatchesTable } from "./tables/outbox.table.js";
import type { RevokeItemsTable, RevokeJobsTable } from "./tables/revoke.table.js";
import type { ApiKeysTable, OrgsTable, ProjectsTable } from "./tables/tenancy.table.js";

/** Every table in a namespace's schema, as kysely sees it. */
export interface Database {
  orgs: OrgsTable;
  projects: ProjectsTable;
  api_keys: ApiKeysTable;
  auth_configs: AuthConfigsTable;
  connected_accounts: ConnectedAccountsTable;
  revoke_jobs: RevokeJobsTable;
  revoke_items: RevokeItemsTable;
  leases: LeasesTable;
  sweeper_tasks: SweeperTasksTable;
  sweeper_task_runs: SweeperTaskRunsTable;
  connect_sessions: ConnectSessionsTable;
  outbox_batches: OutboxBatchesTable;
  notification_outbox: NotificationOutboxTable;
  audit_events: AuditEventsTable;
}
