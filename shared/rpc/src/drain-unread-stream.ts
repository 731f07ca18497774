import http2 from "node:http2";

// How long a client gets to finish sending a body nobody reads.
const DRAIN_MAX_MS = 5_000;

/**
 * Makes an HTTP/2 (gRPC) call whose request the server stopped reading (an
 * oversized message, answered RESOURCE_EXHAUSTED; a malformed frame) drain
 * the rest instead of leaving it buffered or resetting the stream. Connect
 * stops reading by destroying the request, which resets the stream (the
 * client may see RST_STREAM instead of the status), and a stream that is
 * answered but never read keeps its buffered body in the session's memory
 * until Node refuses every new stream with ENHANCE_YOUR_CALM. Instead the
 * rest is read and dropped, for at most DRAIN_MAX_MS, then the stream closes.
 */
export function drainUnreadStream(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): void {
  const destroy = req.destroy.bind(req);
  let draining = false;

  function drain(): void {
    if (draining || req.complete || res.stream.destroyed) return;
    draining = true;
    const timer = setTimeout(() => res.stream.close(http2.constants.NGHTTP2_CANCEL), DRAIN_MAX_MS);
    timer.unref();
    res.stream.once("close", () => clearTimeout(timer));
    // A 'readable' listener (left by Connect's reader) would keep the stream
    // paused; without listeners a flowing request drops what it reads.
    req.removeAllListeners("readable");
    req.removeAllListeners("data");
    req.resume();
  }

  req.destroy = (error?: Error) => {
    if (req.complete || res.stream.destroyed) return destroy(error);
    drain();
    return req;
  };
  res.once("finish", drain);
}
