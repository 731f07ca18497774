import type { Socket } from "node:net";

/** The client connection preface every HTTP/2 client sends first (RFC 9113 §3.4). */
export const HTTP2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** Which HTTP server a fresh plaintext connection belongs to. */
export type HttpVersion = "h2" | "http/1.1";

/**
 * Reads just enough of a new socket to tell an HTTP/2 prior-knowledge client
 * from an HTTP/1.1 one, puts the bytes back (unshift) and leaves the socket
 * paused for the server it is handed to; resolves undefined if the socket
 * closes, fails or stays silent past `timeoutMs` (the caller destroys it).
 */
export function sniffHttpVersion(socket: Socket, timeoutMs: number): Promise<HttpVersion | undefined> {
  return new Promise((resolve) => {
    let seen: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => finish(undefined), timeoutMs);

    function finish(version: HttpVersion | undefined): void {
      clearTimeout(timer);
      socket.pause();
      socket.off("data", onData);
      socket.off("end", onGone);
      socket.off("close", onGone);
      socket.off("error", onGone);
      if (version !== undefined && seen.length > 0) socket.unshift(seen);
      resolve(version);
    }

    function onData(chunk: Buffer): void {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      // Decide at the first byte that differs from the preface; a prefix of
      // it may still become HTTP/2, so wait for more.
      const compared = Math.min(seen.length, HTTP2_PREFACE.length);
      if (!seen.subarray(0, compared).equals(HTTP2_PREFACE.subarray(0, compared))) finish("http/1.1");
      else if (seen.length >= HTTP2_PREFACE.length) finish("h2");
    }

    function onGone(): void {
      finish(undefined);
    }

    socket.on("data", onData);
    socket.once("end", onGone);
    socket.once("close", onGone);
    socket.once("error", onGone);
  });
}
