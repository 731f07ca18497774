import type { ProviderEntry } from "../provider-entry.js";

const AUTH_CODE = "https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code";
const USER_TOKEN = "https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token";

export const x: ProviderEntry = {
  id: "x",
  name: "X (Twitter)",
  authorizeUrl: "https://x.com/i/oauth2/authorize",
  tokenUrl: "https://api.x.com/2/oauth2/token",
  revokeUrl: "https://api.x.com/2/oauth2/revoke",
  revokeMethod: "rfc7009",
  clientAuth: "basic",
  responseStyle: "rfc6749",
  // offline.access is what makes X issue a refresh token.
  defaultScopes: ["tweet.read", "users.read", "offline.access"],
  authorizeParams: {},
  rotatesRefreshTokens: true,
  omitsExpiresIn: false,
  accountTerminalErrors: ["invalid_grant"],
  appTerminalErrors: ["invalid_client", "unauthorized_client"],
  sources: [
    { topic: "authorize", url: USER_TOKEN },
    { topic: "token", url: USER_TOKEN },
    { topic: "revoke", url: USER_TOKEN },
    { topic: "refresh", url: AUTH_CODE },
    { topic: "errors", url: USER_TOKEN },
  ],
  notes:
    "Confidential clients authenticate with HTTP Basic; public clients send client_id only (set client_auth NONE). Access tokens last two hours; a refresh token comes only with offline.access. Single-use (rotating) refresh tokens are from memory and were not confirmed in the pages read.",
};
