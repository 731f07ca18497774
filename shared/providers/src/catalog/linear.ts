import type { ProviderEntry } from "../provider-entry.js";

const OAUTH = "https://linear.app/developers/oauth-2-0-authentication";

export const linear: ProviderEntry = {
  id: "linear",
  name: "Linear",
  authorizeUrl: "https://linear.app/oauth/authorize",
  tokenUrl: "https://api.linear.app/oauth/token",
  revokeUrl: "https://api.linear.app/oauth/revoke",
  revokeMethod: "bearer",
  clientAuth: "post",
  responseStyle: "rfc6749",
  defaultScopes: ["read"],
  authorizeParams: {},
  rotatesRefreshTokens: false,
  omitsExpiresIn: false,
  accountTerminalErrors: ["invalid_grant"],
  appTerminalErrors: ["invalid_client", "unauthorized_client"],
  sources: [
    { topic: "authorize", url: OAUTH },
    { topic: "token", url: OAUTH },
    { topic: "revoke", url: OAUTH },
    { topic: "refresh", url: OAUTH },
    { topic: "errors", url: OAUTH },
  ],
  notes:
    "Scopes are comma-separated in the authorize URL. Apps created from October 2025 get refresh tokens by default. NOT CONFIRMED: the revoke call's shape (POST /oauth/revoke with the access token as the bearer credential) and whether refresh rotates; the pages read covered authorize and token only.",
};
