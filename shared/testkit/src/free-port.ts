import { createServer } from "node:net";

// Ports this process already handed out. The kernel may return a port that was
// just released, so two calls in a row (RPC port, probe port) could otherwise
// get the same number and the second server would fail with EADDRINUSE.
const issued = new Set<number>();

function bindEphemeral(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("could not read the bound port"))));
    });
  });
}

/**
 * Resolves with a TCP port that was free on `host` a moment ago and that this
 * process has not handed out before. Another process may still take it before
 * the caller binds, so callers that start servers retry on a new port when binding fails.
 */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await bindEphemeral(host);
    if (!issued.has(port)) {
      issued.add(port);
      return port;
    }
  }
  throw new Error("could not find a port this process has not handed out already");
}
