import { sendRevokeRequest, type RevokeTokenRequest } from "./revoke-token.js";
import type { RevokeOutcome } from "./revoke-response.js";

/**
 * DELETE {revoke_url}/{token} (HubSpot's refresh-token delete): the token is
 * a path segment, percent-encoded so it cannot change the path. No client
 * authentication. Never throws; no outcome carries the token (network error
 * texts, which may quote the URL, are never kept).
 */
export function revokeTokenByPath(request: RevokeTokenRequest): Promise<RevokeOutcome> {
  const base = request.revokeUrl.endsWith("/") ? request.revokeUrl.slice(0, -1) : request.revokeUrl;
  return sendRevokeRequest(
    {
      url: `${base}/${encodeURIComponent(request.token)}`,
      method: "DELETE",
      headers: { accept: "application/json" },
    },
    request,
    request.responseStyle,
    [request.token],
  );
}
