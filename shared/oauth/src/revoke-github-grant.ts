import { clientAuthentication } from "./client-authentication.js";
import { secretsOf, sendRevokeRequest, type RevokeTokenRequest } from "./revoke-token.js";
import type { RevokeOutcome } from "./revoke-response.js";

// A saved URL is normalised by the WHATWG parser, which percent-encodes the braces.
const CLIENT_ID_SLOT = /\{client_id\}|%7Bclient_id%7D/i;

/** The revoke URL with `{client_id}` filled in (path-encoded), whether or not the braces were percent-encoded. */
export function githubGrantUrl(revokeUrl: string, clientId: string): string {
  return revokeUrl.replace(CLIENT_ID_SLOT, encodeURIComponent(clientId));
}

/**
 * GitHub's "delete an app authorization": DELETE /applications/{client_id}/grant
 * with HTTP Basic client_id:client_secret (GitHub requires Basic here, whatever
 * the auth config's client_auth says) and a JSON body naming the access token.
 * It deletes the user's whole grant. Never throws; no outcome carries the
 * token or the secret.
 */
export function revokeGithubGrant(request: RevokeTokenRequest): Promise<RevokeOutcome> {
  const auth = clientAuthentication({ ...request.client, method: "basic" });
  const headers = {
    ...auth.headers,
    "content-type": "application/json",
    accept: "application/vnd.github+json",
  };
  return sendRevokeRequest(
    {
      url: githubGrantUrl(request.revokeUrl, request.client.clientId),
      method: "DELETE",
      headers,
      body: JSON.stringify({ access_token: request.token }),
    },
    request,
    "rfc6749",
    secretsOf(request),
  );
}
