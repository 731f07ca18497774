import { sendRevokeRequest, type RevokeTokenRequest } from "./revoke-token.js";
import type { RevokeOutcome } from "./revoke-response.js";

/**
 * Slack's auth.revoke: the token to revoke is itself the bearer credential
 * (no client authentication), and the answer is HTTP 200 with {"ok": …}, so
 * `{"ok": false}` is a failure whatever the auth config's response style says.
 * Never throws; no outcome carries the token.
 */
export function revokeSlackToken(request: RevokeTokenRequest): Promise<RevokeOutcome> {
  const headers = {
    authorization: `Bearer ${request.token}`,
    "content-type": "application/x-www-form-urlencoded",
    accept: "application/json",
  };
  return sendRevokeRequest({ url: request.revokeUrl, method: "POST", headers, body: "" }, request, "slack", [
    request.token,
  ]);
}
