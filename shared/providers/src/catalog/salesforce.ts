import type { ProviderEntry } from "../provider-entry.js";

export const salesforce: ProviderEntry = {
  id: "salesforce",
  name: "Salesforce",
  authorizeUrl: "https://login.salesforce.com/services/oauth2/authorize",
  tokenUrl: "https://login.salesforce.com/services/oauth2/token",
  revokeUrl: "https://login.salesforce.com/services/oauth2/revoke",
  revokeMethod: "rfc7009_unauthenticated",
  clientAuth: "post",
  responseStyle: "rfc6749",
  defaultScopes: ["api", "refresh_token"],
  authorizeParams: {},
  rotatesRefreshTokens: false,
  omitsExpiresIn: true,
  accountTerminalErrors: ["invalid_grant", "inactive_user", "inactive_org"],
  appTerminalErrors: ["invalid_client_id", "invalid_client", "unauthorized_client"],
  sources: [
    {
      topic: "authorize",
      url: "https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm&type=5",
    },
    {
      topic: "token",
      url: "https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm&type=5",
    },
    {
      topic: "revoke",
      url: "https://developer.salesforce.com/docs/platform/mobile-sdk/guide/oauth-revoking-tokens.html",
    },
    {
      topic: "refresh",
      url: "https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm&type=5",
    },
    {
      topic: "errors",
      url: "https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flow_errors.htm&type=5",
    },
  ],
  notes:
    "Use the org's My Domain host in place of login.salesforce.com. Revocation is a form POST of the token with no client authentication; Salesforce answers 400 invalid_token for an unknown token (not RFC 7009's 200), so such items fail. The token answer has no expires_in (session lifetime is an org setting); this was not confirmed on the refresh flow page itself. Refresh token rotation is an opt-in app setting, off here.",
};
