import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";

// Connect decodes the request before any interceptor runs, and reports some
// of a client's own mistakes as server faults: a protobuf body that does not
// parse is INTERNAL ("parse binary: premature EOF"), a gzip body cut short is
// INTERNAL, a compressed frame without grpc-encoding is INTERNAL, and a gRPC
// call with no message at all is UNIMPLEMENTED. The one hook every protocol
// runs before decoding is the request gate, and the one thing every protocol
// does with a failed call before writing it is context.abort(error) — so the
// gate listens for that abort and corrects the error in place, before it is
// serialized. The rules match Connect's own messages; request-decode-errors
// tests (and the fuzz test) fail if a Connect upgrade rewords them.
const RULES: Array<{
  code: Code;
  matches: (message: string) => boolean;
  becomes: Code;
  message: (typeName: string, original: string) => string;
}> = [
  {
    code: Code.Internal,
    matches: (m) => m.startsWith("parse binary"),
    becomes: Code.InvalidArgument,
    message: (typeName, original) =>
      `request body must be a valid ${typeName} in protobuf binary (${reason(original)})`,
  },
  {
    code: Code.Internal,
    matches: (m) => m === "decompression failed",
    becomes: Code.InvalidArgument,
    message: () => "request body must be validly compressed",
  },
  {
    code: Code.Internal,
    matches: (m) => m.startsWith("received compressed envelope"),
    becomes: Code.InvalidArgument,
    message: () => "a compressed message must come with a grpc-encoding header",
  },
  {
    code: Code.Unimplemented,
    matches: (m) => /^protocol error\S* (missing|received extra) input message/.test(m),
    becomes: Code.InvalidArgument,
    message: () => "request must hold exactly one message",
  },
  {
    code: Code.InvalidArgument,
    matches: (m) => m.includes("not valid for encoding utf-8"),
    becomes: Code.InvalidArgument,
    message: () => "request body must be valid UTF-8",
  },
];

/**
 * Request gate that turns Connect's own request-decoding failures into the
 * client errors they are (INVALID_ARGUMENT, with a message saying what the
 * body must be) on every protocol, so malformed input never reads as INTERNAL
 * or UNIMPLEMENTED. Errors from handlers are left alone.
 */
export function correctRequestDecodeErrors(context: HandlerContext): void {
  const typeName = context.method.input.typeName;
  context.signal.addEventListener(
    "abort",
    () => {
      const reason: unknown = context.signal.reason;
      if (reason instanceof ConnectError) correctDecodeError(reason, typeName);
    },
    { once: true },
  );
}

/** Rewrites one decode error in place (exported for tests); false when no rule applies. */
export function correctDecodeError(error: ConnectError, typeName: string): boolean {
  const rule = RULES.find((r) => r.code === error.code && r.matches(error.rawMessage));
  if (!rule) return false;
  // ConnectError's fields are readonly in its types only; the protocol
  // handler holds this very object and serializes it right after abort(), so
  // it must change in place.
  const mutable = error as { -readonly [K in "code" | "rawMessage" | "message"]: ConnectError[K] };
  mutable.code = rule.becomes;
  mutable.rawMessage = rule.message(typeName, error.rawMessage);
  mutable.message = new ConnectError(mutable.rawMessage, rule.becomes).message;
  return true;
}

// "parse binary: illegal tag: field no 0 wire type 0" → "illegal tag, field no 0 wire type 0":
// no colons, which some gRPC clients show percent-encoded.
function reason(original: string): string {
  return original
    .replace(/^parse binary:\s*/, "")
    .replace(/:\s*/g, ", ")
    .slice(0, 200);
}
