import type { ProviderEntry } from "../provider-entry.js";

const OAUTH_V1 = "https://developers.hubspot.com/docs/api-reference/auth-oauth-v1/guide";

export const hubspot: ProviderEntry = {
  id: "hubspot",
  name: "HubSpot",
  authorizeUrl: "https://app.hubspot.com/oauth/authorize",
  tokenUrl: "https://api.hubapi.com/oauth/v1/token",
  // The refresh token is appended as a path segment.
  revokeUrl: "https://api.hubapi.com/oauth/v1/refresh-tokens",
  revokeMethod: "delete_by_path",
  clientAuth: "post",
  responseStyle: "rfc6749",
  defaultScopes: ["oauth"],
  authorizeParams: {},
  rotatesRefreshTokens: false,
  omitsExpiresIn: false,
  accountTerminalErrors: ["invalid_grant", "BAD_REFRESH_TOKEN"],
  appTerminalErrors: ["invalid_client", "BAD_CLIENT_ID", "BAD_CLIENT_SECRET"],
  sources: [
    { topic: "authorize", url: OAUTH_V1 },
    { topic: "token", url: OAUTH_V1 },
    {
      topic: "revoke",
      url: "https://developers.hubspot.com/docs/api-reference/auth-oauth-v1/refresh-tokens/delete-oauth-v1-refresh-tokens-token",
    },
    { topic: "refresh", url: OAUTH_V1 },
    { topic: "errors", url: OAUTH_V1 },
  ],
  notes:
    "DELETE /oauth/v1/refresh-tokens/{token} deletes the refresh token only: access tokens already issued stay valid until they expire, and the app stays installed. HubSpot announced the v1 OAuth API's deprecation for February 2027; the v3 endpoints were not checked. The upper-case error codes are HubSpot's status values and were not confirmed against a live error body.",
};
