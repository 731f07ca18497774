import type { ProviderEntry } from "../provider-entry.js";

const THREE_LO = "https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/";

export const atlassian: ProviderEntry = {
  id: "atlassian",
  name: "Atlassian (Jira, Confluence)",
  authorizeUrl: "https://auth.atlassian.com/authorize",
  tokenUrl: "https://auth.atlassian.com/oauth/token",
  revokeUrl: null,
  revokeMethod: "none",
  clientAuth: "post",
  responseStyle: "rfc6749",
  defaultScopes: ["offline_access"],
  authorizeParams: { audience: "api.atlassian.com", prompt: "consent" },
  rotatesRefreshTokens: true,
  omitsExpiresIn: false,
  accountTerminalErrors: ["invalid_grant", "unauthorized_client_for_user"],
  appTerminalErrors: ["invalid_client", "unauthorized_client"],
  sources: [
    {
      topic: "authorize",
      url: `${THREE_LO}#1--direct-the-user-to-the-authorization-url-to-get-an-authorization-code`,
    },
    { topic: "token", url: `${THREE_LO}#2--exchange-authorization-code-for-access-token` },
    { topic: "revoke", url: THREE_LO },
    {
      topic: "refresh",
      url: `${THREE_LO}#use-a-refresh-token-to-get-another-access-token-and-refresh-token-pair`,
    },
    { topic: "errors", url: THREE_LO },
  ],
  notes:
    "Atlassian offers no API to revoke one 3LO token: the user removes the app from their account's connected apps, so revoking wipes the local tokens and the item is SKIPPED. Refresh tokens rotate on every refresh. The token endpoint is documented with a JSON body; a form body was not confirmed. unauthorized_client_for_user is not from the docs read.",
};
