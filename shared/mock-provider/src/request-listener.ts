import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { handleControlRequest } from "./control-endpoint.js";
import { dialectOfPath, handleDialectRequest } from "./dialect-routes.js";
import { writeJson } from "./http-reply.js";
import type { ProviderContext } from "./provider-context.js";
import { BodyTooLargeError, readRequestBody } from "./request-body.js";
import { handleRevokeRequest } from "./revoke-endpoint.js";
import { handleTokenRequest } from "./token-endpoint.js";

/** Fixed paths of the provider's endpoints. */
export const PROVIDER_PATHS = {
  token: "/oauth/token",
  revoke: "/oauth/revoke",
  control: "/__control",
  counters: "/__counters",
  reset: "/__reset",
  health: "/healthz",
} as const;

const FORM_BODY_LIMIT = 64 * 1024;

type FormHandler = (
  ctx: ProviderContext,
  req: IncomingMessage,
  res: ServerResponse,
  form: URLSearchParams | null,
) => Promise<void>;

async function serveForm(
  ctx: ProviderContext,
  req: IncomingMessage,
  res: ServerResponse,
  handle: FormHandler,
) {
  if (req.method !== "POST") {
    req.resume();
    writeJson(res, 405, { error: "invalid_request", error_description: "use POST" }, { allow: "POST" });
    return;
  }
  const body = await readRequestBody(req, FORM_BODY_LIMIT);
  const contentType = req.headers["content-type"]?.toLowerCase() ?? "";
  // null (not an empty form) tells the handler to refuse the body after counting the call.
  const form = contentType.startsWith("application/x-www-form-urlencoded") ? new URLSearchParams(body) : null;
  await handle(ctx, req, res, form);
}

async function route(ctx: ProviderContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? "/";
  const queryAt = url.indexOf("?");
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  const query = queryAt < 0 ? "" : url.slice(queryAt + 1);
  const { requests } = ctx.counters;
  if (path === PROVIDER_PATHS.token) {
    requests.token++;
    return serveForm(ctx, req, res, handleTokenRequest);
  }
  if (path === PROVIDER_PATHS.revoke) {
    requests.revoke++;
    return serveForm(ctx, req, res, handleRevokeRequest);
  }
  if (path === PROVIDER_PATHS.health) {
    requests.health++;
    req.resume();
    return writeJson(res, 200, { ok: true });
  }
  const dialect = dialectOfPath(path);
  if (dialect !== undefined) {
    requests.dialect++;
    return handleDialectRequest(ctx, req, res, dialect, path);
  }
  if (path.startsWith("/__")) {
    requests.control++;
    return handleControlRequest(ctx, req, res, path, query);
  }
  requests.notFound++;
  req.resume();
  writeJson(res, 404, { error: "not_found" });
}

/** Returns the node:http listener for one provider; it never logs per request and never throws. */
export function createRequestListener(ctx: ProviderContext): RequestListener {
  return (req, res) => {
    route(ctx, req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof BodyTooLargeError) {
        writeJson(res, 413, { error: "invalid_request", error_description: error.message });
        return;
      }
      // A bug in the mock must be visible to the test that hit it, not swallowed.
      writeJson(res, 500, { error: "server_error", error_description: String(error) });
    });
  };
}
