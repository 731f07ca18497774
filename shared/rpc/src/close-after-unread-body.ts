import type http from "node:http";

/**
 * Makes an HTTP/1.1 response that starts before its request body was read to
 * the end (an oversized message refused RESOURCE_EXHAUSTED as soon as its size
 * was known) close the connection when it is done. Connect stops reading such
 * a body and leaves the rest unread on a keep-alive connection; a client that
 * sent its next call on that connection would wait for the keep-alive timeout
 * and then read a reset. The client still reads this response first.
 */
export function closeAfterUnreadBody(req: http.IncomingMessage, res: http.ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => http.ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    if (!req.complete) res.shouldKeepAlive = false;
    return writeHead(...args);
  }) as typeof res.writeHead;
}
