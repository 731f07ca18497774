import { sendRevokeRequest, type RevokeTokenRequest } from "./revoke-token.js";
import type { RevokeOutcome } from "./revoke-response.js";

/**
 * A POST with the token as the bearer credential and no body (Dropbox's
 * /2/auth/token/revoke): the provider revokes the token that authenticated
 * the call. Never throws; no outcome carries the token.
 */
export function revokeBearerToken(request: RevokeTokenRequest): Promise<RevokeOutcome> {
  const headers = { authorization: `Bearer ${request.token}`, accept: "application/json" };
  return sendRevokeRequest(
    { url: request.revokeUrl, method: "POST", headers },
    request,
    request.responseStyle,
    [request.token],
  );
}
