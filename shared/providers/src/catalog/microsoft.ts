import type { ProviderEntry } from "../provider-entry.js";

const AUTH_CODE_FLOW = "https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow";

export const microsoft: ProviderEntry = {
  id: "microsoft",
  name: "Microsoft (Entra ID)",
  authorizeUrl: "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
  tokenUrl: "https://login.microsoftonline.com/common/oauth2/v2.0/token",
  revokeUrl: null,
  revokeMethod: "none",
  clientAuth: "post",
  responseStyle: "rfc6749",
  defaultScopes: ["offline_access", "User.Read"],
  authorizeParams: {},
  rotatesRefreshTokens: true,
  omitsExpiresIn: false,
  accountTerminalErrors: ["invalid_grant", "interaction_required", "consent_required", "login_required"],
  appTerminalErrors: ["invalid_client", "unauthorized_client"],
  sources: [
    { topic: "authorize", url: `${AUTH_CODE_FLOW}#request-an-authorization-code` },
    { topic: "token", url: `${AUTH_CODE_FLOW}#redeem-a-code-for-an-access-token` },
    { topic: "revoke", url: "https://learn.microsoft.com/en-us/graph/api/user-revokesigninsessions" },
    { topic: "refresh", url: "https://learn.microsoft.com/en-us/entra/identity-platform/refresh-tokens" },
    { topic: "errors", url: `${AUTH_CODE_FLOW}#error-codes-for-token-endpoint-errors` },
  ],
  notes:
    "Microsoft has no per-token revocation endpoint (no RFC 7009). Graph's revokeSignInSessions invalidates every refresh token of a user across all apps and needs admin-consented permissions, so Warden does not call it: revoking wipes the local tokens and the item is SKIPPED. Refresh tokens replace themselves on use, but the old one is not revoked.",
};
