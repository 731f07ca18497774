import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticateRequestOrAnswer } from "./authenticate-request.js";
import { countToken } from "./counters.js";
import { injectFaults } from "./faults.js";
import { answerError, answerRevoked } from "./provider-answers.js";
import type { ProviderContext } from "./provider-context.js";

/**
 * Handles `POST /oauth/revoke` (RFC 7009): answers 200 for known and unknown tokens alike (§2.2), and
 * revoking a refresh token kills its whole family.
 */
export async function handleRevokeRequest(
  ctx: ProviderContext,
  req: IncomingMessage,
  res: ServerResponse,
  form: URLSearchParams | null,
): Promise<void> {
  const token = form?.get("token") ?? null;
  ctx.counters.revokeCalls++;
  if (token !== null) countToken(ctx.counters.revokeCallsByToken, token);

  if ((await injectFaults(ctx, "revoke", res)) === "answered") return;
  if (form === null || token === null || token === "") {
    answerError(ctx, res, {
      status: 400,
      error: "invalid_request",
      slackError: "invalid_arguments",
      description: "a form-encoded `token` parameter is required",
    });
    return;
  }
  if (!authenticateRequestOrAnswer(ctx, req, res, form)) return;

  // token_type_hint is only a hint (§2.1): the store looks the token up among both kinds regardless.
  ctx.store.revoke(token);
  ctx.counters.revokeSuccesses++;
  countToken(ctx.counters.revocationsByToken, token);
  answerRevoked(ctx, res);
}
