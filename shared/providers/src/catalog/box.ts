import type { ProviderEntry } from "../provider-entry.js";

export const box: ProviderEntry = {
  id: "box",
  name: "Box",
  authorizeUrl: "https://account.box.com/api/oauth2/authorize",
  tokenUrl: "https://api.box.com/oauth2/token",
  revokeUrl: "https://api.box.com/oauth2/revoke",
  revokeMethod: "rfc7009",
  clientAuth: "post",
  responseStyle: "rfc6749",
  defaultScopes: [],
  authorizeParams: {},
  rotatesRefreshTokens: true,
  omitsExpiresIn: false,
  accountTerminalErrors: ["invalid_grant"],
  appTerminalErrors: ["invalid_client", "unauthorized_client"],
  sources: [
    { topic: "authorize", url: "https://developer.box.com/guides/authentication/oauth2/" },
    { topic: "token", url: "https://developer.box.com/reference/post-oauth2-token/" },
    { topic: "revoke", url: "https://developer.box.com/reference/post-oauth2-revoke/" },
    { topic: "refresh", url: "https://developer.box.com/guides/authentication/tokens/refresh/" },
    { topic: "errors", url: "https://developer.box.com/reference/post-oauth2-token/" },
  ],
  notes:
    "Revocation is a form POST of client_id, client_secret and the access or refresh token to /oauth2/revoke, answering an empty 200. Refresh tokens are single use: each refresh answers a new one.",
};
