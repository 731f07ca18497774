import type { ProviderEntry } from "../provider-entry.js";

const OAUTH2 = "https://docs.gitlab.com/api/oauth2/";

export const gitlab: ProviderEntry = {
  id: "gitlab",
  name: "GitLab",
  authorizeUrl: "https://gitlab.com/oauth/authorize",
  tokenUrl: "https://gitlab.com/oauth/token",
  revokeUrl: "https://gitlab.com/oauth/revoke",
  revokeMethod: "rfc7009",
  clientAuth: "post",
  responseStyle: "rfc6749",
  defaultScopes: ["read_user"],
  authorizeParams: {},
  rotatesRefreshTokens: true,
  omitsExpiresIn: false,
  accountTerminalErrors: ["invalid_grant"],
  appTerminalErrors: ["invalid_client", "unauthorized_client"],
  sources: [
    { topic: "authorize", url: `${OAUTH2}#authorization-code-with-proof-key-for-code-exchange-pkce` },
    { topic: "token", url: `${OAUTH2}#authorization-code-with-proof-key-for-code-exchange-pkce` },
    { topic: "revoke", url: `${OAUTH2}#revoke-a-token` },
    { topic: "refresh", url: `${OAUTH2}#authorization-code-with-proof-key-for-code-exchange-pkce` },
    { topic: "errors", url: OAUTH2 },
  ],
  notes:
    "Self-managed instances use their own host in place of gitlab.com. Revocation is RFC 7009 with client_id and client_secret in the form. Access tokens expire after two hours; each refresh answers a new refresh token (rotation is from GitLab's OAuth guide as remembered, not re-read here).",
};
