import type { IncomingMessage, ServerResponse } from "node:http";
import type { ClientAuthFailure } from "./client-auth.js";
import { authenticateClient } from "./client-auth.js";
import { answerError } from "./provider-answers.js";
import type { ProviderContext } from "./provider-context.js";

const SLACK_CLIENT_ERRORS: Record<ClientAuthFailure, string> = {
  missing: "invalid_client_id",
  malformed: "invalid_client_id",
  unknown_client: "invalid_client_id",
  method_not_allowed: "invalid_client_id",
  bad_secret: "bad_client_secret",
};

/** Returns true when the request's client authenticated; otherwise answers 401 invalid_client and returns false. */
export function authenticateRequestOrAnswer(
  ctx: ProviderContext,
  req: IncomingMessage,
  res: ServerResponse,
  form: URLSearchParams,
): boolean {
  const result = authenticateClient(req.headers.authorization, form, ctx.client);
  if (result.ok) {
    if (result.method === "client_secret_basic") ctx.counters.clientAuthBasic++;
    else ctx.counters.clientAuthPost++;
    return true;
  }
  answerError(ctx, res, {
    status: 401,
    error: "invalid_client",
    slackError: SLACK_CLIENT_ERRORS[result.reason],
    description: `client authentication failed (${result.reason})`,
  });
  return false;
}
