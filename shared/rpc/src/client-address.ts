import { createContextKey } from "@connectrpc/connect";

/**
 * Context value holding the peer address of the connection a call came in on
 * (the socket's, not a client-supplied header, which anyone could forge).
 */
export const clientAddressKey = createContextKey<string>("", { description: "the caller's network address" });

/** The remote address of an HTTP/1.1 or HTTP/2 request's socket, or "" when it is gone. */
export function remoteAddressOf(req: { socket?: { remoteAddress?: string } | null }): string {
  return req.socket?.remoteAddress ?? "";
}
