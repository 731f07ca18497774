import type http2 from "node:http2";

/**
 * Percent-encodes a grpc-message as the gRPC spec asks: only bytes outside
 * printable ASCII, and "%" itself. Connect encodes with encodeURIComponent,
 * which also escapes ":", "," and "/"; grpc-js decodes with decodeURI, which
 * leaves exactly those escaped, so its users read "name%3A …".
 */
export function encodeGrpcMessage(message: string): string {
  let encoded = "";
  for (const byte of Buffer.from(message, "utf8")) {
    encoded +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return encoded;
}

/**
 * Makes one HTTP/2 (gRPC) response write its grpc-message trailer in the
 * spec's encoding instead of Connect's, so every gRPC client decodes it to the
 * same text. Any other trailer is passed through untouched.
 */
export function respecGrpcMessageTrailer(res: http2.Http2ServerResponse): void {
  const addTrailers = res.addTrailers.bind(res);
  res.addTrailers = (headers) => {
    const value = headers["grpc-message"];
    if (typeof value === "string") headers["grpc-message"] = encodeGrpcMessage(decodeConnect(value));
    addTrailers(headers);
  };
}

function decodeConnect(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    // Not Connect's encoding after all; send it as it came.
    return value;
  }
}
