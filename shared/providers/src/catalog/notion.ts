import type { ProviderEntry } from "../provider-entry.js";

export const notion: ProviderEntry = {
  id: "notion",
  name: "Notion",
  authorizeUrl: "https://api.notion.com/v1/oauth/authorize",
  tokenUrl: "https://api.notion.com/v1/oauth/token",
  revokeUrl: null,
  revokeMethod: "none",
  clientAuth: "basic",
  responseStyle: "rfc6749",
  defaultScopes: [],
  authorizeParams: { owner: "user" },
  rotatesRefreshTokens: true,
  omitsExpiresIn: true,
  accountTerminalErrors: ["invalid_grant", "unauthorized"],
  appTerminalErrors: ["invalid_client", "unauthorized_client"],
  sources: [
    { topic: "authorize", url: "https://developers.notion.com/docs/authorization" },
    { topic: "token", url: "https://developers.notion.com/reference/create-a-token" },
    { topic: "revoke", url: "https://developers.notion.com/reference/revoke-token" },
    { topic: "refresh", url: "https://developers.notion.com/reference/refresh-a-token" },
    { topic: "errors", url: "https://developers.notion.com/reference/status-codes" },
  ],
  notes:
    'Notion does have POST /v1/oauth/revoke, but it takes a JSON body {"token"} with HTTP Basic and a Notion-Version header, which no Warden revoke dialect speaks yet: revoking wipes the local tokens and the item is SKIPPED. A refresh answers a new access and refresh token (rotation). Whether the token answer carries expires_in was not confirmed, so it is treated as missing.',
};
