import type { ServerResponse } from "node:http";

// RFC 6749 §5.1: token answers must not be cached. Sent on every answer since
// it costs nothing and keeps one code path.
const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" } as const;

/** Extra headers for one answer. */
export type ExtraHeaders = Record<string, string | number>;

/** Writes a complete JSON answer with Content-Length, so keep-alive connections can be reused. */
export function writeJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: ExtraHeaders = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...NO_STORE,
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
  });
  res.end(payload);
}

/** Writes a complete answer with no body. */
export function writeEmpty(res: ServerResponse, status: number, headers: ExtraHeaders = {}): void {
  res.writeHead(status, { ...NO_STORE, ...headers, "content-length": 0 });
  res.end();
}

const HTML_PAGE =
  "<!doctype html><html><head><title>Service</title></head><body><h1>Temporarily unavailable</h1></body></html>";

/** Writes an HTML page where JSON was expected, as a misrouted proxy or captive portal would. */
export function writeHtml(res: ServerResponse, status: number): void {
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(HTML_PAGE),
  });
  res.end(HTML_PAGE);
}
