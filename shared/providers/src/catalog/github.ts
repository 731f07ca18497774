import type { ProviderEntry } from "../provider-entry.js";

export const github: ProviderEntry = {
  id: "github",
  name: "GitHub",
  authorizeUrl: "https://github.com/login/oauth/authorize",
  tokenUrl: "https://github.com/login/oauth/access_token",
  // {client_id} is replaced by the auth config's client id when revoking.
  revokeUrl: "https://api.github.com/applications/{client_id}/grant",
  revokeMethod: "github",
  clientAuth: "post",
  responseStyle: "error_in_200",
  defaultScopes: [],
  authorizeParams: {},
  rotatesRefreshTokens: true,
  omitsExpiresIn: false,
  accountTerminalErrors: ["bad_refresh_token", "invalid_grant"],
  appTerminalErrors: ["incorrect_client_credentials", "invalid_client", "unauthorized_client"],
  sources: [
    {
      topic: "authorize",
      url: "https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps",
    },
    {
      topic: "token",
      url: "https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps",
    },
    {
      topic: "revoke",
      url: "https://docs.github.com/en/rest/apps/oauth-applications#delete-an-app-authorization",
    },
    {
      topic: "refresh",
      url: "https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens",
    },
    {
      topic: "errors",
      url: "https://docs.github.com/en/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors",
    },
  ],
  notes:
    'The token endpoint answers errors with HTTP 200 and an "error" member. Revocation deletes the whole grant: DELETE /applications/{client_id}/grant with HTTP Basic client_id:client_secret and a JSON body {"access_token": …}; it needs the access token, not the refresh token. Only GitHub App user tokens with expiry enabled have refresh tokens (rotated on each refresh); OAuth app tokens do not expire. Whether GitHub answers 404 or 422 for an already-deleted grant was not confirmed, so neither is treated as revoked.',
};
