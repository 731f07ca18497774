import type { ProviderEntry } from "../provider-entry.js";

const OAUTH = "https://developers.zoom.us/docs/integrations/oauth/";

export const zoom: ProviderEntry = {
  id: "zoom",
  name: "Zoom",
  authorizeUrl: "https://zoom.us/oauth/authorize",
  tokenUrl: "https://zoom.us/oauth/token",
  revokeUrl: "https://zoom.us/oauth/revoke",
  revokeMethod: "rfc7009",
  clientAuth: "basic",
  responseStyle: "rfc6749",
  defaultScopes: [],
  authorizeParams: {},
  rotatesRefreshTokens: true,
  omitsExpiresIn: false,
  accountTerminalErrors: ["invalid_grant"],
  appTerminalErrors: ["invalid_client", "unauthorized_client"],
  sources: [
    { topic: "authorize", url: OAUTH },
    { topic: "token", url: OAUTH },
    { topic: "revoke", url: `${OAUTH}#revoking-an-access-token` },
    { topic: "refresh", url: `${OAUTH}#refreshing-an-access-token` },
    { topic: "errors", url: OAUTH },
  ],
  notes:
    'Token and revoke endpoints take HTTP Basic client_id:client_secret; revoke is a form POST of token= answering {"status": "success"}. Access tokens last an hour. Refresh token rotation (a new refresh token per refresh) is from memory of Zoom\'s guide and was not confirmed in the pages read.',
};
