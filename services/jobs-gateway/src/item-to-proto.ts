import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ItemStatusColumn, RevokeItemRow } from "@warden/db";
import { ItemStatus, RevokeItemSchema, type RevokeItem } from "@warden/proto/jobs/v1";

// Ledger rows to wire messages (job rows: @warden/events jobToProto). Items
// carry only the sanitised error the executor stored; the table has no token column.

const ts = (date: Date | null) => (date ? timestampFromDate(date) : undefined);

export const ITEM_STATUS_TO_PROTO: Record<ItemStatusColumn, ItemStatus> = {
  pending: ItemStatus.PENDING,
  revoked: ItemStatus.REVOKED,
  failed: ItemStatus.FAILED,
  skipped: ItemStatus.SKIPPED,
  cancelled: ItemStatus.CANCELLED,
};

/** Ledger row → warden.jobs.v1.RevokeItem (external user, auth config and run when the row carries them). */
export function itemToProto(
  row: Pick<
    RevokeItemRow,
    "account_id" | "status" | "attempts" | "error_code" | "error_message" | "updated_at" | "wiped_locally"
  > &
    Partial<Pick<RevokeItemRow, "error_description" | "auth_config_id" | "run">> & {
      external_user_id?: string | null;
    },
): RevokeItem {
  return create(RevokeItemSchema, {
    connectedAccountId: row.account_id,
    status: ITEM_STATUS_TO_PROTO[row.status],
    attempts: row.attempts,
    errorCode: row.error_code ?? "",
    errorMessage: row.error_message ?? "",
    updatedAt: ts(row.updated_at),
    wipedLocally: row.wiped_locally,
    externalUserId: row.external_user_id ?? "",
    authConfigId: row.auth_config_id ?? "",
    run: row.run ?? 0,
    errorDescription: row.error_description ?? "",
  });
}
