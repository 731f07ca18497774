import type { ProviderEntry } from "../provider-entry.js";

const HTTP_DOCS = "https://www.dropbox.com/developers/documentation/http/documentation";

export const dropbox: ProviderEntry = {
  id: "dropbox",
  name: "Dropbox",
  authorizeUrl: "https://www.dropbox.com/oauth2/authorize",
  tokenUrl: "https://api.dropboxapi.com/oauth2/token",
  revokeUrl: "https://api.dropboxapi.com/2/auth/token/revoke",
  revokeMethod: "bearer",
  clientAuth: "basic",
  responseStyle: "rfc6749",
  defaultScopes: [],
  // Without token_access_type=offline Dropbox issues only a short-lived access token.
  authorizeParams: { token_access_type: "offline" },
  rotatesRefreshTokens: false,
  omitsExpiresIn: false,
  accountTerminalErrors: ["invalid_grant"],
  appTerminalErrors: ["invalid_client", "unauthorized_client"],
  sources: [
    { topic: "authorize", url: `${HTTP_DOCS}#oauth2-authorize` },
    { topic: "token", url: `${HTTP_DOCS}#oauth2-token` },
    { topic: "revoke", url: `${HTTP_DOCS}#auth-token-revoke` },
    { topic: "refresh", url: "https://developers.dropbox.com/oauth-guide" },
    { topic: "errors", url: `${HTTP_DOCS}#oauth2-token` },
  ],
  notes:
    "/2/auth/token/revoke disables the access token used to authenticate the call (sent as the bearer credential, no body), and with it the refresh token it came from. An expired access token cannot revoke itself: such items fail with the provider's 401 unless the job uses force.",
};
