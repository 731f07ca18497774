import { sendRevokeRequest, type RevokeTokenRequest } from "./revoke-token.js";
import type { RevokeOutcome } from "./revoke-response.js";

const HEADERS = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };

/**
 * RFC 7009 without client authentication (Google): a form POST of the token
 * and its type hint only, so the client secret never leaves Warden for it.
 * Never throws; no outcome carries the token.
 */
export function revokeTokenUnauthenticated(request: RevokeTokenRequest): Promise<RevokeOutcome> {
  const body = new URLSearchParams({
    token: request.token,
    token_type_hint: request.tokenTypeHint,
  }).toString();
  return sendRevokeRequest(
    { url: request.revokeUrl, method: "POST", headers: HEADERS, body },
    request,
    "rfc6749",
    [request.token],
  );
}
