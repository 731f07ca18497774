import type { ProviderEntry } from "../provider-entry.js";

const OAUTH2 = "https://discord.com/developers/docs/topics/oauth2";

export const discord: ProviderEntry = {
  id: "discord",
  name: "Discord",
  authorizeUrl: "https://discord.com/oauth2/authorize",
  tokenUrl: "https://discord.com/api/oauth2/token",
  revokeUrl: "https://discord.com/api/oauth2/token/revoke",
  revokeMethod: "rfc7009",
  clientAuth: "basic",
  responseStyle: "rfc6749",
  defaultScopes: ["identify"],
  authorizeParams: {},
  rotatesRefreshTokens: false,
  omitsExpiresIn: false,
  accountTerminalErrors: ["invalid_grant"],
  appTerminalErrors: ["invalid_client", "unauthorized_client"],
  sources: [
    { topic: "authorize", url: `${OAUTH2}#authorization-code-grant` },
    { topic: "token", url: `${OAUTH2}#authorization-code-grant-access-token-exchange-example` },
    { topic: "revoke", url: `${OAUTH2}#authorization-code-grant-token-revocation-example` },
    { topic: "refresh", url: `${OAUTH2}#authorization-code-grant-refresh-token-exchange-example` },
    { topic: "errors", url: OAUTH2 },
  ],
  notes:
    "Revocation is RFC 7009 (token and token_type_hint) with HTTP Basic client credentials. A refresh answers a refresh_token; whether the presented one is retired was not confirmed, so rotation is off here (a rotated token is stored anyway).",
};
