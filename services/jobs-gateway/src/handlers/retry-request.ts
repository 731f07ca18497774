import type { Database, RevokeJobRow } from "@warden/db";
import { failedPrecondition, invalidArgument } from "@warden/errors";
import { parseId } from "@warden/ids";
import type { RetryRevokeJobRequest } from "@warden/proto/jobs/v1";
import { retryableItemStatuses, type RetryItemsOptions } from "@warden/revoke-jobs";
import type { Transaction } from "kysely";
import { itemStatusesOf } from "../repositories/retry-items.repository.js";

/** Items one RetryRevokeJob may name: enough for an operator's hand-picked list, small enough for one statement. */
const MAX_ACCOUNT_IDS = 1_000;

/** RetryRevokeJob's selection fields, checked for shape (INVALID_ARGUMENT naming the field); duplicates collapse. */
export function parseRetrySelection(req: RetryRevokeJobRequest): RetryItemsOptions {
  if (req.connectedAccountIds.length > MAX_ACCOUNT_IDS)
    throw invalidArgument("connected_account_ids", `must hold at most ${MAX_ACCOUNT_IDS} ids`);
  const ids = req.connectedAccountIds.map((id, i) => parseId(`connected_account_ids[${i}]`, id, "account"));
  return {
    includeCancelled: req.includeCancelled,
    ...(ids.length === 0 ? {} : { accountIds: [...new Set(ids)] }),
  };
}

/**
 * Checks, on the locked job, that the retry has something to do: every named
 * account is an item of the job (else INVALID_ARGUMENT) in a status the retry
 * takes up (FAILED, or CANCELLED with include_cancelled; else
 * FAILED_PRECONDITION), or, with no names, that such items exist.
 */
export async function checkRetrySelection(
  trx: Transaction<Database>,
  job: RevokeJobRow,
  selection: RetryItemsOptions,
): Promise<void> {
  const statuses: string[] = retryableItemStatuses(selection);
  const what = selection.includeCancelled === true ? "failed or cancelled" : "failed";
  if (selection.accountIds === undefined) {
    const retryable = job.failed + (selection.includeCancelled === true ? job.cancelled : 0);
    if (retryable === 0) throw failedPrecondition(`revoke job ${job.id} has no ${what} items to retry`);
    return;
  }
  const found = await itemStatusesOf(trx, job.id, selection.accountIds);
  for (const accountId of selection.accountIds) {
    const status = found.get(accountId);
    if (status === undefined)
      throw invalidArgument(
        "connected_account_ids",
        `must name items of revoke job ${job.id}, and ${accountId} is not one`,
      );
    if (!statuses.includes(status)) {
      const allowed =
        selection.includeCancelled === true
          ? "FAILED or CANCELLED"
          : "FAILED (or CANCELLED with include_cancelled)";
      throw failedPrecondition(
        `connected_account_ids must name ${allowed} items, and ${accountId} is ${status.toUpperCase()}`,
      );
    }
  }
}
