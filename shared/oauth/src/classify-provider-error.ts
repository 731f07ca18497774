/**
 * Who a failed refresh is blamed on: the one account (its grant is dead until
 * the user reconnects), the whole app (the auth config's client is refused,
 * every account would fail the same way), or nobody yet (retry later).
 */
export type RefreshFailureClass = "account" | "app" | "transient";

// RFC 6749 §5.2 invalid_grant plus the provider dialects that mean "this
// user's refresh token is dead" (Slack, Microsoft, Google, Atlassian …).
const ACCOUNT_TERMINAL = new Set([
  "invalid_grant",
  "invalid_refresh_token",
  "access_denied",
  "token_revoked",
  "token_expired",
  "account_inactive",
  "user_not_found",
  "invalid_auth",
  "not_authed",
  "consent_required",
  "interaction_required",
  "login_required",
]);

// The client itself is refused: blaming every account for it would mark a
// whole auth config's users NEEDS_RECONNECT for an operator's typo.
const APP_TERMINAL = new Set([
  "invalid_client",
  "unauthorized_client",
  "unsupported_grant_type",
  "bad_client_secret",
  "invalid_client_id",
  "invalid_client_secret",
  "app_deleted",
  "org_login_required",
]);

/** A provider's own terminal codes (from the catalog), beyond the generic ones above. */
export interface TerminalErrorCodes {
  account: readonly string[];
  app: readonly string[];
}

/**
 * Classifies a provider's OAuth error code, with the provider's own terminal
 * codes (GitHub's bad_refresh_token, HubSpot's BAD_CLIENT_SECRET …) checked
 * first. Unknown codes are transient: a code we do not recognise must never
 * durably disable an account.
 */
export function classifyProviderError(code: string, provider?: TerminalErrorCodes): RefreshFailureClass {
  if (provider?.account.includes(code)) return "account";
  if (provider?.app.includes(code)) return "app";
  if (ACCOUNT_TERMINAL.has(code)) return "account";
  if (APP_TERMINAL.has(code)) return "app";
  return "transient";
}
