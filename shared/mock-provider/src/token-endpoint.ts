import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { authenticateRequestOrAnswer } from "./authenticate-request.js";
import { countToken } from "./counters.js";
import { injectFaults } from "./faults.js";
import { answerError, answerTokens } from "./provider-answers.js";
import type { ProviderContext } from "./provider-context.js";

/**
 * Handles `POST /oauth/token` (RFC 6749 §4.1.3, §6): counts the call before any fault, so coalescing tests
 * see every provider call, then rotates refresh tokens and kills a family on reuse.
 */
export async function handleTokenRequest(
  ctx: ProviderContext,
  req: IncomingMessage,
  res: ServerResponse,
  form: URLSearchParams | null,
): Promise<void> {
  const grantType = form?.get("grant_type") ?? null;
  const presentedRefresh = form?.get("refresh_token") ?? null;
  if (grantType === "refresh_token") {
    ctx.counters.refreshCalls++;
    if (presentedRefresh !== null && ctx.countRefreshesPerToken) {
      countToken(ctx.counters.refreshCallsByToken, presentedRefresh);
    }
  } else if (grantType === "authorization_code") {
    ctx.counters.authorizationCodeCalls++;
  }

  if ((await injectFaults(ctx, "token", res)) === "answered") return;
  if (form === null) {
    answerError(ctx, res, {
      status: 400,
      error: "invalid_request",
      slackError: "invalid_arguments",
      description: "body must be application/x-www-form-urlencoded",
    });
    return;
  }
  if (!authenticateRequestOrAnswer(ctx, req, res, form)) return;

  const { settings, store } = ctx;
  if (grantType === "refresh_token") {
    if (presentedRefresh === null || presentedRefresh === "") {
      answerError(ctx, res, { status: 400, error: "invalid_request", slackError: "invalid_arguments" });
      return;
    }
    const outcome = store.refresh(presentedRefresh, {
      rotate: settings.rotateRefreshTokens,
      expiresIn: settings.expiresIn,
    });
    if (outcome.kind === "refreshed") {
      ctx.counters.refreshSuccesses++;
      if (settings.answerLatencyMs > 0) {
        try {
          await sleep(settings.answerLatencyMs, undefined, { signal: ctx.closing });
        } catch {
          return; // closing: the socket is being destroyed, and the rotation stands, as it would at a real provider
        }
      }
      answerTokens(ctx, res, outcome.grant);
      return;
    }
    if (outcome.kind === "reused") ctx.counters.reuseDetections++;
    answerError(ctx, res, {
      status: 400,
      error: "invalid_grant",
      slackError: "invalid_refresh_token",
      description: REFRESH_FAILURES[outcome.kind],
    });
    return;
  }

  if (grantType === "authorization_code") {
    const code = form.get("code");
    const outcome = code
      ? store.redeemCode(code, { expiresIn: settings.expiresIn })
      : { kind: "unknown" as const };
    if (outcome.kind === "issued") {
      answerTokens(ctx, res, outcome.grant);
      return;
    }
    answerError(ctx, res, {
      status: 400,
      error: "invalid_grant",
      slackError: "invalid_code",
      description:
        outcome.kind === "reused" ? "authorization code already used" : "unknown authorization code",
    });
    return;
  }

  answerError(ctx, res, {
    status: 400,
    error: grantType === null ? "invalid_request" : "unsupported_grant_type",
    slackError: "invalid_grant_type",
  });
}

const REFRESH_FAILURES = {
  unknown: "unknown refresh token",
  family_revoked: "refresh token revoked",
  reused: "refresh token reuse detected; all tokens of this grant are revoked",
} as const;
