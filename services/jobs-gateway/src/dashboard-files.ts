// Serves the built browser dashboard (dashboard/dist) on the RPC port for
// every non-RPC GET/HEAD: a small allow-listed file server, not a general one.
import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "@warden/logger";

/** Where `pnpm build:dashboard` writes the bundle. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL("../dashboard/dist", import.meta.url));

// Only these kinds are served; anything else is 404 even if it is in dist/.
const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

// The page handles an API key: no inline or foreign script, no framing, no referrer.
const SECURITY_HEADERS = {
  "Content-Security-Policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
};

// esbuild names bundles `<name>-<HASH>.<ext>`: their content never changes under a name.
const HASHED_NAME = /-[A-Z0-9]{8}\.(js|css|map)$/;

/** What serveStatic gets: answers true when it took the request. */
export type DashboardHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * Serves files below `dir` for GET and HEAD: `/` is index.html, hashed assets
 * are cacheable for a year, index.html is revalidated on every load, paths
 * that are malformed, hidden, of an unlisted type or outside `dir` (also via
 * symlinks) are 404. Other methods are left to the server (404).
 */
export function createDashboardFiles(options: { dir?: string; logger?: Logger } = {}): DashboardHandler {
  const dir = options.dir ?? DEFAULT_DASHBOARD_DIR;
  // Looked up on demand, so a dashboard built after the server started is served too.
  let root: string | undefined;
  let warned = false;
  async function dashboardRoot(): Promise<string | undefined> {
    root ??= await realpath(dir).catch(() => undefined);
    if (!root && !warned) {
      warned = true;
      options.logger?.warn(
        { dir },
        "dashboard not built (pnpm --filter @warden/jobs-gateway build:dashboard): serving 404",
      );
    }
    return root;
  }

  async function resolveFile(url: string | undefined): Promise<string | undefined> {
    const rootPath = await dashboardRoot();
    if (!rootPath || !url) return undefined;
    // The raw path, not a URL-normalised one: "..", "//" and friends are refused, never resolved.
    const raw = url.split(/[?#]/, 1)[0] ?? "";
    if (!raw.startsWith("/")) return undefined;
    let segments: string[];
    try {
      segments = raw === "/" ? ["index.html"] : raw.slice(1).split("/").map(decodeURIComponent);
    } catch {
      return undefined;
    }
    // Refuse: "..", ".", hidden names, empty segments, encoded separators and NULs.
    if (segments.some((s) => s === "" || s.startsWith(".") || /[/\\\0]/.test(s))) return undefined;
    const pathname = segments.join("/");
    if (!CONTENT_TYPES[extname(pathname)]) return undefined;
    const candidate = join(rootPath, ...segments);
    const real = await realpath(candidate).catch(() => undefined);
    if (!real || !real.startsWith(rootPath + sep)) return undefined;
    const info = await stat(real).catch(() => undefined);
    return info?.isFile() ? real : undefined;
  }

  function notFound(res: ServerResponse): void {
    res.writeHead(404, {
      "Content-Type": "text/plain; charset=utf-8",
      "Cache-Control": "no-store",
      ...SECURITY_HEADERS,
    });
    res.end("not found\n");
  }

  return (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    void resolveFile(req.url).then(
      async (file) => {
        if (!file) return notFound(res);
        const size = (await stat(file)).size;
        res.writeHead(200, {
          "Content-Type": CONTENT_TYPES[extname(file)]!,
          "Content-Length": String(size),
          "Cache-Control": HASHED_NAME.test(file) ? "public, max-age=31536000, immutable" : "no-cache",
          ...SECURITY_HEADERS,
        });
        if (req.method === "HEAD") return void res.end();
        createReadStream(file)
          .on("error", (error) => {
            options.logger?.warn({ err: { message: error.message } }, "dashboard file read failed");
            res.destroy(error);
          })
          .pipe(res);
      },
      (error: Error) => {
        options.logger?.warn({ err: { message: error.message } }, "dashboard request failed");
        if (!res.headersSent) notFound(res);
        else res.destroy();
      },
    );
    return true;
  };
}
