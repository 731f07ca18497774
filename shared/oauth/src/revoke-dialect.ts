import { revokeBearerToken } from "./revoke-bearer.js";
import { revokeTokenByPath } from "./revoke-by-path.js";
import { revokeGithubGrant } from "./revoke-github-grant.js";
import type { RevokeOutcome } from "./revoke-response.js";
import { revokeSlackToken } from "./revoke-slack.js";
import { revokeToken, type RevokeTokenRequest } from "./revoke-token.js";
import { revokeTokenUnauthenticated } from "./revoke-unauthenticated.js";

/** How a provider revokes one token (the values of auth_configs.revoke_method). */
export type RevokeMethod =
  "rfc7009" | "rfc7009_unauthenticated" | "slack" | "bearer" | "github" | "delete_by_path" | "none";

/** The revoke methods that call the provider (every one but `none`). */
export type CallingRevokeMethod = Exclude<RevokeMethod, "none">;

const DIALECTS: Record<CallingRevokeMethod, (request: RevokeTokenRequest) => Promise<RevokeOutcome>> = {
  rfc7009: revokeToken,
  rfc7009_unauthenticated: revokeTokenUnauthenticated,
  slack: revokeSlackToken,
  bearer: revokeBearerToken,
  github: revokeGithubGrant,
  delete_by_path: revokeTokenByPath,
};

/**
 * The revoke method an auth config actually uses: its explicit column, or
 * the first release's rule (RFC 7009 when it has a revoke_url, else none).
 */
export function effectiveRevokeMethod(method: RevokeMethod | null, revokeUrl: string | null): RevokeMethod {
  if (method !== null) return method === "none" || revokeUrl !== null ? method : "none";
  return revokeUrl === null ? "none" : "rfc7009";
}

/**
 * Which stored token a method must present: the access token for methods that
 * authenticate with it (Slack, bearer, GitHub), the refresh token for
 * DELETE-by-path (HubSpot deletes refresh tokens), and the refresh token when
 * there is one for RFC 7009 (revoking it kills its access tokens too).
 */
export function tokenKindFor(method: RevokeMethod): "access" | "refresh" {
  return method === "slack" || method === "bearer" || method === "github" ? "access" : "refresh";
}

/** Revokes through the dialect of `method`; never throws, and no outcome carries a token or secret. */
export function revokeWithMethod(
  method: CallingRevokeMethod,
  request: RevokeTokenRequest,
): Promise<RevokeOutcome> {
  return DIALECTS[method](request);
}
