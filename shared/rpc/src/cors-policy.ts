import type { IncomingMessage, ServerResponse } from "node:http";
import { cors } from "@connectrpc/connect";

// Browsers send the API key as a bearer token; everything else is what the
// Connect and gRPC-Web protocols need.
const ALLOWED_HEADERS = [...cors.allowedHeaders, "Authorization"].join(", ");
const ALLOWED_METHODS = cors.allowedMethods.join(", ");
const EXPOSED_HEADERS = [...cors.exposedHeaders, "Connect-Protocol-Version"].join(", ");
const PREFLIGHT_MAX_AGE_SECONDS = "7200";

/** Applies CORS to one HTTP/1.1 request; true when it answered the request itself (a preflight). */
export type CorsPolicy = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * CORS for Connect and gRPC-Web from browsers: answers preflights (204 for an
 * allowed origin, 403 otherwise) and marks responses to allowed origins so
 * scripts can read grpc-status, grpc-message and error details. No origin
 * list means any origin; requests without credentials cookies are assumed.
 */
export function createCorsPolicy(origins?: readonly string[]): CorsPolicy {
  const anyOrigin = origins === undefined || origins.includes("*");
  const allowed = new Set(origins);
  return (req, res) => {
    const origin = req.headers.origin;
    const preflight = req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined;
    if (origin === undefined) return false;
    res.setHeader("Vary", "Origin");
    if (!anyOrigin && !allowed.has(origin)) {
      if (!preflight) return false;
      res.writeHead(403).end();
      return true;
    }
    res.setHeader("Access-Control-Allow-Origin", origin);
    if (!preflight) {
      res.setHeader("Access-Control-Expose-Headers", EXPOSED_HEADERS);
      return false;
    }
    res.writeHead(204, {
      "Access-Control-Allow-Methods": ALLOWED_METHODS,
      "Access-Control-Allow-Headers": ALLOWED_HEADERS,
      "Access-Control-Max-Age": PREFLIGHT_MAX_AGE_SECONDS,
    });
    res.end();
    return true;
  };
}
