import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticateClient } from "./client-auth.js";
import { countToken, type MockDialect } from "./counters.js";
import { injectFaults } from "./faults.js";
import { writeEmpty, writeJson } from "./http-reply.js";
import type { ProviderContext } from "./provider-context.js";
import { readRequestBody } from "./request-body.js";
import type { ResponseStyle } from "./settings.js";
import { handleTokenRequest } from "./token-endpoint.js";

/**
 * Where each provider dialect lives on the mock: the path its real provider
 * uses, under a prefix naming it. `{client_id}` and `{token}` are path segments.
 */
export const DIALECT_PATHS = {
  google: { token: "/google/token", revoke: "/google/revoke" },
  slack: { token: "/slack/api/oauth.v2.access", revoke: "/slack/api/auth.revoke" },
  github: { token: "/github/login/oauth/access_token", revoke: "/github/applications/{client_id}/grant" },
  dropbox: { token: "/dropbox/oauth2/token", revoke: "/dropbox/2/auth/token/revoke" },
  hubspot: { token: "/hubspot/oauth/v1/token", revoke: "/hubspot/oauth/v1/refresh-tokens/{token}" },
} as const satisfies Record<MockDialect, { token: string; revoke: string }>;

// How each dialect's token endpoint shapes its answers.
const TOKEN_STYLE: Record<MockDialect, ResponseStyle> = {
  google: "rfc6749",
  slack: "slack",
  github: "error_in_200",
  dropbox: "rfc6749",
  hubspot: "rfc6749",
};

const BODY_LIMIT = 64 * 1024;
const GITHUB_GRANT = /^\/github\/applications\/([^/]+)\/grant$/;
const HUBSPOT_REFRESH = /^\/hubspot\/oauth\/v1\/refresh-tokens\/([^/]+)$/;

/** The dialect a path belongs to, or undefined for every other path. */
export function dialectOfPath(path: string): MockDialect | undefined {
  const prefix = path.slice(1, path.indexOf("/", 1));
  return prefix in DIALECT_PATHS ? (prefix as MockDialect) : undefined;
}

/** Serves one request under a dialect prefix; unknown paths there answer 404. */
export async function handleDialectRequest(
  ctx: ProviderContext,
  req: IncomingMessage,
  res: ServerResponse,
  dialect: MockDialect,
  path: string,
): Promise<void> {
  const counts = ctx.counters.byDialect[dialect];
  if (path === DIALECT_PATHS[dialect].token) {
    counts.tokenCalls++;
    // The RFC token endpoint, answering in this dialect's style (a per-request view of the settings).
    const styled: ProviderContext = {
      ...ctx,
      settings: { ...ctx.settings, responseStyle: TOKEN_STYLE[dialect] },
    };
    if (req.method !== "POST") return refuse(req, res, 405);
    const body = await readRequestBody(req, BODY_LIMIT);
    const isForm = (req.headers["content-type"] ?? "")
      .toLowerCase()
      .startsWith("application/x-www-form-urlencoded");
    return handleTokenRequest(styled, req, res, isForm ? new URLSearchParams(body) : null);
  }
  const revoke = REVOKE[dialect];
  const target = revoke.match(req, path);
  if (target === undefined) return refuse(req, res, 404);
  counts.revokeCalls++;
  const body = await readRequestBody(req, BODY_LIMIT);
  const token = revoke.token(req, body, target);
  if (token !== undefined) countToken(ctx.counters.revokeCallsByToken, token);
  if ((await injectFaults(ctx, "revoke", res)) === "answered") return;
  const answered = revoke.answer(ctx, req, res, token, target);
  if (answered === "revoked" && token !== undefined) {
    counts.revocations++;
    countToken(ctx.counters.revocationsByToken, token);
  }
}

function refuse(req: IncomingMessage, res: ServerResponse, status: 404 | 405): void {
  req.resume();
  writeJson(res, status, { error: status === 404 ? "not_found" : "method_not_allowed" });
}

function bearerOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization ?? "";
  return header.toLowerCase().startsWith("bearer ") ? header.slice(7).trim() || undefined : undefined;
}

function jsonField(body: string, field: string): string | undefined {
  try {
    const value = (JSON.parse(body) as Record<string, unknown>)[field];
    return typeof value === "string" && value !== "" ? value : undefined;
  } catch {
    return undefined;
  }
}

const isLive = (ctx: ProviderContext, token: string) =>
  ctx.store.isAccessTokenLive(token) || ctx.store.isRefreshTokenLive(token);

type Answer = "revoked" | "refused";

interface RevokeRoute {
  /** Undefined when the path or method is not this dialect's revoke route; else the path parameter ("" if none). */
  match(req: IncomingMessage, path: string): string | undefined;
  token(req: IncomingMessage, body: string, target: string): string | undefined;
  answer(
    ctx: ProviderContext,
    req: IncomingMessage,
    res: ServerResponse,
    token: string | undefined,
    target: string,
  ): Answer;
}

const REVOKE: Record<MockDialect, RevokeRoute> = {
  // RFC 7009 form POST with no client authentication; 200 for unknown tokens too (§2.2).
  google: {
    match: (req, path) => (req.method === "POST" && path === DIALECT_PATHS.google.revoke ? "" : undefined),
    token: (_req, body) => new URLSearchParams(body).get("token") || undefined,
    answer(ctx, _req, res, token) {
      if (token === undefined) {
        writeJson(res, 400, { error: "invalid_request" });
        return "refused";
      }
      ctx.store.revoke(token);
      writeEmpty(res, 200);
      return "revoked";
    },
  },
  // auth.revoke: the token is the bearer credential (or a form field); always HTTP 200 with {"ok": …}.
  slack: {
    match: (req, path) => (req.method === "POST" && path === DIALECT_PATHS.slack.revoke ? "" : undefined),
    token: (req, body) => bearerOf(req) ?? (new URLSearchParams(body).get("token") || undefined),
    answer(ctx, _req, res, token) {
      if (token === undefined) {
        writeJson(res, 200, { ok: false, error: "not_authed" });
        return "refused";
      }
      if (!isLive(ctx, token)) {
        writeJson(res, 200, { ok: false, error: "invalid_auth" });
        return "refused";
      }
      ctx.store.revokeGrant(token);
      writeJson(res, 200, { ok: true, revoked: true });
      return "revoked";
    },
  },
  // DELETE /applications/{client_id}/grant, Basic client auth, JSON {"access_token"}; 204 on success.
  github: {
    match: (req, path) => (req.method === "DELETE" ? GITHUB_GRANT.exec(path)?.[1] : undefined),
    token: (_req, body) => jsonField(body, "access_token"),
    answer(ctx, req, res, token, clientId) {
      const auth = authenticateClient(req.headers.authorization, new URLSearchParams(), ctx.client);
      if (
        !auth.ok ||
        auth.method !== "client_secret_basic" ||
        decodeURIComponent(clientId) !== ctx.client.clientId
      ) {
        ctx.counters.invalidClient++;
        writeJson(res, 401, { message: "Bad credentials" });
        return "refused";
      }
      if (token === undefined) {
        writeJson(res, 422, {
          message: "Invalid request",
          errors: [{ field: "access_token", code: "missing" }],
        });
        return "refused";
      }
      if (!ctx.store.isAccessTokenLive(token)) {
        writeJson(res, 404, { message: "Not Found" });
        return "refused";
      }
      ctx.store.revokeGrant(token);
      writeEmpty(res, 204);
      return "revoked";
    },
  },
  // POST with the token as the bearer credential and no body; answers JSON null.
  dropbox: {
    match: (req, path) => (req.method === "POST" && path === DIALECT_PATHS.dropbox.revoke ? "" : undefined),
    token: (req) => bearerOf(req),
    answer(ctx, _req, res, token) {
      if (token === undefined || !ctx.store.isAccessTokenLive(token)) {
        writeJson(res, 401, {
          error_summary: "invalid_access_token/",
          error: { ".tag": "invalid_access_token" },
        });
        return "refused";
      }
      ctx.store.revokeGrant(token);
      writeJson(res, 200, null);
      return "revoked";
    },
  },
  // DELETE /oauth/v1/refresh-tokens/{token}: deletes that refresh token; 204.
  hubspot: {
    match: (req, path) => (req.method === "DELETE" ? HUBSPOT_REFRESH.exec(path)?.[1] : undefined),
    token: (_req, _body, target) => {
      try {
        return decodeURIComponent(target);
      } catch {
        return undefined;
      }
    },
    answer(ctx, _req, res, token) {
      if (token === undefined || !ctx.store.isRefreshTokenLive(token)) {
        writeJson(res, 404, { status: "error", message: "refresh token not found" });
        return "refused";
      }
      ctx.store.revoke(token);
      writeEmpty(res, 204);
      return "revoked";
    },
  },
};
