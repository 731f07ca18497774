import { create } from "@bufbuild/protobuf";
import { failedPrecondition, notFound, unavailable, type WardenError } from "@warden/errors";
import { classifyProviderError, type RefreshFailureClass } from "@warden/oauth";
import { TokenFailureSchema } from "@warden/proto/tokens/v1";
import type { TokenAccount } from "../repositories/token-accounts.repository.js";

/** TokenFailure.reason values. */
export type TokenFailureReason = "NEEDS_RECONNECT" | "APP_MISCONFIGURED" | "REVOKED";

type AccountRef = Pick<TokenAccount, "id" | "auth_config_id">;

/** FAILED_PRECONDITION carrying a `warden.tokens.v1.TokenFailure` detail; the message holds codes, never tokens. */
export function tokenFailure(
  account: AccountRef,
  reason: TokenFailureReason,
  providerError: string,
): WardenError {
  const why =
    reason === "NEEDS_RECONNECT"
      ? `connected account ${account.id} needs a reconnect`
      : reason === "APP_MISCONFIGURED"
        ? `auth config ${account.auth_config_id} is refused by the provider`
        : `connected account ${account.id} was revoked`;
  return failedPrecondition(providerError ? `${why} (provider error ${providerError})` : why, [
    {
      desc: TokenFailureSchema,
      value: create(TokenFailureSchema, {
        reason,
        providerError,
        accountId: account.id,
        authConfigId: account.auth_config_id,
      }),
    },
  ]);
}

/**
 * The error for an account that cannot hand out a token in its current
 * state. DELETED is NOT_FOUND (deleted accounts have no tokens, like every
 * other read of them); REVOKED and NEEDS_RECONNECT are FAILED_PRECONDITION
 * with a TokenFailure, so clients can tell "ask the user" from "try later".
 */
export function unusableAccountError(account: TokenAccount): WardenError | undefined {
  if (account.deleted_at !== null || account.status === "deleted")
    return notFound("connected account", account.id);
  if (account.status === "revoked") return tokenFailure(account, "REVOKED", "");
  if (account.status === "needs_reconnect")
    return tokenFailure(account, "NEEDS_RECONNECT", account.status_reason ?? "");
  return undefined;
}

/**
 * The error every caller of a failed refresh gets, by who the provider's code
 * blames; `known` is the leader's own verdict when the caller has it (it
 * classified with the provider's catalog codes, which a follower lacks).
 */
export function refreshFailureError(
  account: AccountRef,
  errorCode: string,
  known?: RefreshFailureClass,
): WardenError {
  switch (known ?? classifyProviderError(errorCode)) {
    case "account":
      return tokenFailure(account, "NEEDS_RECONNECT", errorCode);
    case "app":
      return tokenFailure(account, "APP_MISCONFIGURED", errorCode);
    case "transient":
      return unavailable(
        `provider refresh of connected account ${account.id} failed (${errorCode || "unknown"}); retry later`,
      );
  }
}

/**
 * What a follower can tell from the leader's event alone: needs_reconnect
 * means the leader already blamed the account durably (perhaps for a code
 * only the provider's catalog entry knows); anything else is re-classified.
 */
export function verdictOf(event: { kind: string }): RefreshFailureClass | undefined {
  return event.kind === "needs_reconnect" ? "account" : undefined;
}
