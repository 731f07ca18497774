import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { AccountEventSchema, type AccountEvent } from "@warden/proto/events/v1";

/** The ids an account event names; never a token. */
export interface RevokedAccount {
  id: string;
  org_id: string;
  project_id: string;
  auth_config_id: string;
}

/**
 * A wiped account → warden.events.v1.AccountEvent for `events.account.<id>.revoked`,
 * naming the revoke job; built from ids only, so it cannot carry a token.
 */
export function accountRevokedEventOf(
  account: RevokedAccount,
  jobId: string,
  occurredAt = new Date(),
): AccountEvent {
  return create(AccountEventSchema, {
    accountId: account.id,
    orgId: account.org_id,
    projectId: account.project_id,
    authConfigId: account.auth_config_id,
    jobId,
    occurredAt: timestampFromDate(occurredAt),
  });
}
