import type { ServerResponse } from "node:http";
import type { ExtraHeaders } from "./http-reply.js";
import { writeEmpty, writeJson } from "./http-reply.js";
import type { ProviderContext } from "./provider-context.js";
import type { IssuedGrant } from "./token-store.js";

/** An OAuth error as the provider means it, before the response style shapes it. */
export interface ProviderError {
  status: number;
  /** RFC 6749 §5.2 error code. */
  error: string;
  /** What Slack says for the same failure, when it differs (`invalid_refresh_token`, `bad_client_secret`, …). */
  slackError?: string;
  description?: string;
  retryAfterSeconds?: number | null;
}

const INVALID_GRANT_CODES = new Set(["invalid_grant", "invalid_refresh_token", "invalid_code"]);
const INVALID_CLIENT_CODES = new Set(["invalid_client", "invalid_client_id", "bad_client_secret"]);

/** Counts an answer's status, so every way of failing (real, injected, forced) shows in the counters. */
export function countAnswerStatus(ctx: ProviderContext, status: number): void {
  if (status === 429) ctx.counters.rateLimited++;
  else if (status >= 500) ctx.counters.serverErrors++;
}

/**
 * Answers an error in the current style: RFC JSON with its status, Slack's HTTP 200 `{"ok": false}`,
 * or (error_in_200) the RFC body with HTTP 200.
 */
export function answerError(ctx: ProviderContext, res: ServerResponse, failure: ProviderError): void {
  const slack = ctx.settings.responseStyle === "slack";
  const error = slack ? (failure.slackError ?? failure.error) : failure.error;
  if (INVALID_GRANT_CODES.has(error)) ctx.counters.invalidGrant++;
  else if (INVALID_CLIENT_CODES.has(error)) ctx.counters.invalidClient++;
  // Slack itself answers rate limits with a real 429 and outages with real 5xx;
  // only application errors travel as HTTP 200, so retry logic is exercised the same way in both styles.
  const in200 = slack || ctx.settings.responseStyle === "error_in_200";
  const status = in200 && failure.status !== 429 && failure.status < 500 ? 200 : failure.status;
  countAnswerStatus(ctx, status);
  const headers: ExtraHeaders = {};
  if (failure.retryAfterSeconds !== undefined && failure.retryAfterSeconds !== null) {
    headers["retry-after"] = failure.retryAfterSeconds;
  }
  // RFC 6749 §5.2: a 401 invalid_client must name the scheme the client may use.
  if (status === 401) headers["www-authenticate"] = 'Basic realm="warden-mock-provider"';
  const body: Record<string, unknown> = slack ? { ok: false, error } : { error };
  if (failure.description !== undefined) body.error_description = failure.description;
  writeJson(res, status, body, headers);
}

/** Answers a token grant (RFC 6749 §5.1), honouring omitExpiresIn and the response style. */
export function answerTokens(ctx: ProviderContext, res: ServerResponse, grant: IssuedGrant): void {
  const { settings } = ctx;
  const body: Record<string, unknown> = settings.responseStyle === "slack" ? { ok: true } : {};
  body.access_token = grant.accessToken;
  body.token_type = "Bearer";
  if (!settings.omitExpiresIn) body.expires_in = settings.expiresIn;
  if (grant.refreshToken !== undefined) body.refresh_token = grant.refreshToken;
  body.scope = grant.scope;
  writeJson(res, 200, body);
}

/** Answers a successful revocation: RFC 7009 §2.2 empty 200, or Slack's `{"ok": true, "revoked": true}`. */
export function answerRevoked(ctx: ProviderContext, res: ServerResponse): void {
  if (ctx.settings.responseStyle === "slack") writeJson(res, 200, { ok: true, revoked: true });
  else writeEmpty(res, 200);
}
