import type { ProviderEntry } from "../provider-entry.js";

export const slack: ProviderEntry = {
  id: "slack",
  name: "Slack",
  authorizeUrl: "https://slack.com/oauth/v2/authorize",
  tokenUrl: "https://slack.com/api/oauth.v2.access",
  revokeUrl: "https://slack.com/api/auth.revoke",
  revokeMethod: "slack",
  clientAuth: "post",
  responseStyle: "slack",
  defaultScopes: [],
  authorizeParams: {},
  rotatesRefreshTokens: false,
  omitsExpiresIn: false,
  accountTerminalErrors: [
    "invalid_refresh_token",
    "token_revoked",
    "invalid_auth",
    "account_inactive",
    "not_authed",
  ],
  appTerminalErrors: ["invalid_client_id", "bad_client_secret", "app_deleted", "org_login_required"],
  sources: [
    { topic: "authorize", url: "https://api.slack.com/authentication/oauth-v2" },
    { topic: "token", url: "https://api.slack.com/methods/oauth.v2.access" },
    { topic: "revoke", url: "https://api.slack.com/methods/auth.revoke" },
    { topic: "refresh", url: "https://api.slack.com/authentication/rotation" },
    { topic: "errors", url: "https://api.slack.com/methods/auth.revoke" },
  ],
  notes:
    'Errors come as HTTP 200 with {"ok": false}. auth.revoke takes the token as the bearer credential and answers {"ok": true, "revoked": true}. Refresh tokens exist only with token rotation enabled for the app; whether a refresh answers a new refresh token was not confirmed in the pages read, so rotation is off here. Scopes are per app: none by default.',
};
