import type http from "node:http";
import type net from "node:net";

// How long a client gets, after the answer, to finish sending a body nobody
// reads; then the connection is dropped.
const LINGER_MAX_MS = 5_000;

/**
 * Makes an HTTP/1.1 response that starts before its request body was read to
 * the end (an oversized message refused RESOURCE_EXHAUSTED as soon as its size
 * was known) close the connection when it is done, and close it gently. Connect
 * stops reading such a body; on a keep-alive connection the client's next call
 * would wait behind the unread rest until the keep-alive timeout reset it. And
 * closing a socket with unread input makes the kernel send RST, which can wipe
 * the answer from the client's buffers before it read it. So after the answer
 * the server half-closes (FIN) and reads and drops what the client still
 * sends until it closes too, for at most LINGER_MAX_MS: the "lingering close"
 * of web servers.
 */
export function closeAfterUnreadBody(req: http.IncomingMessage, res: http.ServerResponse): void {
  const socket = req.socket;
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => http.ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    if (!req.complete) {
      res.shouldKeepAlive = false;
      lingerInsteadOfDestroy(socket);
    }
    return writeHead(...args);
  }) as typeof res.writeHead;
}

// What Node's HTTP server hangs on its sockets (not in the public types).
type HttpParserSocket = net.Socket & {
  destroySoon?: () => void;
  parser?: { _consumed?: boolean; unconsume?: () => void } | null;
};

function lingerInsteadOfDestroy(plain: net.Socket): void {
  const socket = plain as HttpParserSocket;
  // Node calls destroySoon once the last response is flushed on a connection
  // that is not kept alive.
  socket.destroySoon = () => {
    const timer = setTimeout(() => socket.destroy(), LINGER_MAX_MS);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
    socket.once("end", () => socket.destroy());
    socket.end();
    // Detach Node's HTTP parser (it would pause the socket again, pushing
    // into a request nobody reads) and drop whatever still arrives.
    if (socket.parser?._consumed) {
      socket.parser.unconsume?.();
      socket.parser._consumed = false;
    }
    socket.removeAllListeners("data");
    socket.removeAllListeners("pause");
    socket.removeAllListeners("resume");
    socket.on("data", () => undefined);
    socket.resume();
  };
}
