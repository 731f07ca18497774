import type { Migration } from "kysely";
import * as initial from "./2026_11_22_0001_initial.js";
import * as sweeperRuns from "./2026_11_22_0004_sweeper_runs.js";
import * as reconnectNotified from "./2026_11_22_0005_reconnect_notified.js";
import * as publishedCursor from "./2026_11_22_0006_published_cursor.js";
import * as revokeItemsHotUpdates from "./2026_11_22_0007_revoke_items_hot_updates.js";
import * as authConfigDialects from "./2026_11_30_0008_auth_config_dialects.js";
import * as outbox from "./2026_11_30_0010_outbox.js";
import * as refreshAttempts from "./2026_11_30_0011_refresh_attempts.js";
import * as auditAndKeyLifecycle from "./2026_11_30_0012_audit_and_key_lifecycle.js";
import * as revokeItemDescriptions from "./2026_11_30_0013_revoke_item_descriptions.js";
import * as connectSessions from "./2026_11_30_0015_connect_sessions.js";
import * as notificationOutbox from "./2026_11_30_0016_notification_outbox.js";
import * as outboxBatches from "./2026_11_30_0017_outbox_batches.js";

/** Every migration, by name; names sort in the order they apply. */
export const MIGRATIONS: Record<string, Migration> = {
  "2026_11_22_0001_initial": initial,
  "2026_11_22_0004_sweeper_runs": sweeperRuns,
  "2026_11_22_0005_reconnect_notified": reconnectNotified,
  "2026_11_22_0006_published_cursor": publishedCursor,
  "2026_11_22_0007_revoke_items_hot_updates": revokeItemsHotUpdates,
  "2026_11_30_0008_auth_config_dialects": authConfigDialects,
  "2026_11_30_0010_outbox": outbox,
  "2026_11_30_0011_refresh_attempts": refreshAttempts,
  "2026_11_30_0012_audit_and_key_lifecycle": auditAndKeyLifecycle,
  "2026_11_30_0013_revoke_item_descriptions": revokeItemDescriptions,
  "2026_11_30_0015_connect_sessions": connectSessions,
  "2026_11_30_0016_notification_outbox": notificationOutbox,
  "2026_11_30_0017_outbox_batches": outboxBatches,
};
