import type { ProviderEntry } from "../provider-entry.js";

const WEB_SERVER = "https://developers.google.com/identity/protocols/oauth2/web-server";

export const google: ProviderEntry = {
  id: "google",
  name: "Google",
  authorizeUrl: "https://accounts.google.com/o/oauth2/v2/auth",
  tokenUrl: "https://oauth2.googleapis.com/token",
  revokeUrl: "https://oauth2.googleapis.com/revoke",
  revokeMethod: "rfc7009_unauthenticated",
  clientAuth: "post",
  responseStyle: "rfc6749",
  defaultScopes: ["openid", "email"],
  // Without access_type=offline Google issues no refresh token; prompt=consent re-issues one on reconnect.
  authorizeParams: { access_type: "offline", prompt: "consent" },
  rotatesRefreshTokens: false,
  omitsExpiresIn: false,
  accountTerminalErrors: ["invalid_grant"],
  appTerminalErrors: ["invalid_client", "unauthorized_client"],
  sources: [
    { topic: "authorize", url: `${WEB_SERVER}#creatingclient` },
    { topic: "token", url: `${WEB_SERVER}#exchange-authorization-code` },
    { topic: "revoke", url: `${WEB_SERVER}#tokenrevoke` },
    { topic: "refresh", url: `${WEB_SERVER}#offline` },
    { topic: "errors", url: `${WEB_SERVER}#exchange-errors` },
  ],
  notes:
    "Revocation is a form POST of the token to https://oauth2.googleapis.com/revoke with no client authentication; revoking an access token also revokes its refresh token. A refresh token comes only with access_type=offline.",
};
