import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { writeHtml } from "./http-reply.js";
import { answerError, countAnswerStatus } from "./provider-answers.js";
import type { ProviderContext } from "./provider-context.js";
import type { ProviderEndpoint } from "./settings.js";

/** Whether the request was answered (or deliberately left hanging) by a fault. */
export type FaultOutcome = "answered" | "continue";

async function delay(ctx: ProviderContext, endpointFaulty: boolean): Promise<boolean> {
  const { latencyMs, latencyJitterMs } = ctx.settings;
  if (!endpointFaulty || (latencyMs === 0 && latencyJitterMs === 0)) return true;
  const ms = latencyMs + (latencyJitterMs > 0 ? Math.floor(ctx.random() * latencyJitterMs) : 0);
  try {
    await sleep(ms, undefined, { signal: ctx.closing });
    return true;
  } catch {
    // The provider is closing; its sockets are being destroyed, so there is no one to answer.
    return false;
  }
}

/**
 * Applies the configured faults to one request, in a fixed order (latency, hang, 429/5xx draw, non-JSON,
 * forced error) so that a seeded RNG always gives the same sequence of answers.
 */
export async function injectFaults(
  ctx: ProviderContext,
  endpoint: ProviderEndpoint,
  res: ServerResponse,
): Promise<FaultOutcome> {
  const endpointFaulty = ctx.settings.faultEndpoints.includes(endpoint);
  if (!(await delay(ctx, endpointFaulty))) return "answered";
  // Read after the delay: a configure() during the sleep applies to this request.
  const settings = ctx.settings;
  if (endpointFaulty) {
    if (settings.hang) return "answered";
    if (settings.rate429 > 0 || settings.rate5xx > 0) {
      // One draw per request decides both, so the two rates never interfere with each other's sequence.
      const draw = ctx.random();
      if (draw < settings.rate429) {
        answerError(ctx, res, {
          status: 429,
          error: "rate_limited",
          slackError: "ratelimited",
          retryAfterSeconds: settings.retryAfterSeconds,
        });
        return "answered";
      }
      if (draw < settings.rate429 + settings.rate5xx) {
        answerError(ctx, res, { status: settings.status5xx, error: "temporarily_unavailable" });
        return "answered";
      }
    }
    if (settings.nonJson) {
      countAnswerStatus(ctx, settings.nonJsonStatus);
      writeHtml(res, settings.nonJsonStatus);
      return "answered";
    }
  }
  const forced = settings.forceError[endpoint];
  if (forced) {
    if (forced.times !== undefined && --forced.times <= 0) delete settings.forceError[endpoint];
    answerError(ctx, res, {
      status: forced.status,
      error: forced.error,
      description: forced.errorDescription,
      retryAfterSeconds: forced.retryAfterSeconds,
    });
    return "answered";
  }
  return "continue";
}
