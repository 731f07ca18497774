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
 * CORS for Connect and gRPC-Web from browsers: only the listed origins, and
 * the server's own origin (the dashboard it serves), get CORS headers; a
 * preflight from any other origin is 403, and so is a call carrying such an
 * Origin (a browser would have been refused, so only a forged page sends it).
 * No list, or an empty one, means same-origin only. Requests without an
 * Origin (curl, gRPC clients) are untouched.
 */
export function createCorsPolicy(origins: readonly string[] = []): CorsPolicy {
  const allowed = new Set(origins);
  return (req, res) => {
    const origin = req.headers.origin;
    const preflight = req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined;
    if (origin === undefined) return false;
    res.setHeader("Vary", "Origin");
    if (!allowed.has(origin) && !isOwnOrigin(req, origin)) {
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

// The page was loaded from this very server (the gateway's dashboard): its
// Origin names the Host it sent. Behind a TLS-terminating proxy the scheme
// differs, so both are accepted; the host must match exactly.
function isOwnOrigin(req: IncomingMessage, origin: string): boolean {
  const host = req.headers.host;
  if (host === undefined) return false;
  return origin === `http://${host}` || origin === `https://${host}`;
}
