import type { IncomingMessage, ServerResponse } from "node:http";
import { countersToJson } from "./counters.js";
import { writeJson } from "./http-reply.js";
import type { ProviderContext } from "./provider-context.js";
import { readRequestBody } from "./request-body.js";
import { issueSeedTokens } from "./seed-tokens.js";
import { applySettingsPatch } from "./settings.js";

const CONTROL_BODY_LIMIT = 64 * 1024;

async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readRequestBody(req, CONTROL_BODY_LIMIT);
  if (text.trim() === "") return {};
  const value: unknown = JSON.parse(text);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RangeError("body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

const optionalString = (value: unknown, field: string): string | undefined => {
  if (value === undefined || typeof value === "string") return value;
  throw new RangeError(`"${field}" must be a string`);
};

/**
 * Serves the test-control routes (`/__control`, `/__counters`, `/__reset`, `/__tokens`, `/__codes`) so a
 * test can steer a provider running in another process; never subject to injected faults.
 */
export async function handleControlRequest(
  ctx: ProviderContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: string,
): Promise<void> {
  const route = `${req.method ?? "GET"} ${path}`;
  try {
    switch (route) {
      case "GET /__control":
        return writeJson(res, 200, ctx.settings);
      case "POST /__control":
        ctx.settings = applySettingsPatch(ctx.settings, await readJsonObject(req));
        return writeJson(res, 200, ctx.settings);
      case "GET /__counters":
        return writeJson(res, 200, countersToJson(ctx.counters));
      case "POST /__reset":
        ctx.reset();
        return writeJson(res, 200, { ok: true });
      case "POST /__tokens": {
        const body = await readJsonObject(req);
        const subject = optionalString(body.subject, "subject");
        const scope = optionalString(body.scope, "scope");
        return writeJson(res, 200, issueSeedTokens(ctx, { subject, scope }));
      }
      case "GET /__tokens": {
        const token = new URLSearchParams(query).get("token");
        if (!token) return writeJson(res, 400, { error: "query parameter `token` is required" });
        return writeJson(res, 200, {
          refresh_token_live: ctx.store.isRefreshTokenLive(token),
          access_token_live: ctx.store.isAccessTokenLive(token),
          refresh_calls: ctx.counters.refreshCallsByToken.get(token) ?? 0,
          revocations: ctx.counters.revocationsByToken.get(token) ?? 0,
        });
      }
      case "POST /__codes": {
        const body = await readJsonObject(req);
        const subject = optionalString(body.subject, "subject");
        const scope = optionalString(body.scope, "scope");
        return writeJson(res, 200, { code: ctx.store.issueCode({ subject, scope }) });
      }
      default:
        return writeJson(res, 404, { error: `no control route ${route}` });
    }
  } catch (error) {
    // Only caller mistakes reach here (bad JSON, bad setting); say which, since the caller is a test.
    const message = error instanceof Error ? error.message : String(error);
    const status = error instanceof Error && error.name === "BodyTooLargeError" ? 413 : 400;
    writeJson(res, status, { error: message });
  }
}
