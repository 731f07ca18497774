// Test support (not a test): sends arbitrary bytes as an RPC on any of the
// four wire protocols and reports the status the server answered, without a
// client library that would refuse to send a malformed message or hide a reset.
import http from "node:http";
import http2 from "node:http2";
import { codeFromString } from "@connectrpc/connect/protocol-connect";

/** The wire protocols one Warden port speaks. */
export type RawProtocol = "grpc" | "grpc-web" | "connect-proto" | "connect-json";

/** One hand-made call. */
export interface RawCall {
  protocol: RawProtocol;
  /** "/package.Service/Method" */
  path: string;
  /** The request body exactly as sent: envelopes included, for the enveloped protocols. */
  body: Uint8Array;
  /** Connect streaming (application/connect+…) instead of unary; ignored by gRPC and gRPC-Web. */
  streaming?: boolean;
  headers?: Record<string, string>;
}

/** What came back: a gRPC status number (0 = OK, else a Code), or a reset / no status; the message; the HTTP status. */
export interface RawOutcome {
  code: number | "reset" | "no-status";
  message: string;
  httpStatus: number;
}

const FLAG_END_STREAM = 0x02;
const FLAG_TRAILER = 0x80;

/** Wraps one message in a gRPC / Connect streaming envelope (flags 0, 4-byte big-endian length). */
export function envelope(message: Uint8Array, flags = 0): Uint8Array {
  const framed = new Uint8Array(5 + message.byteLength);
  framed[0] = flags;
  new DataView(framed.buffer).setUint32(1, message.byteLength);
  framed.set(message, 5);
  return framed;
}

/** Sends one gRPC call over an open h2c session; resolves when the stream closes or `timeoutMs` passes. */
export function rawGrpcCall(
  session: http2.ClientHttp2Session,
  call: RawCall,
  timeoutMs = 20_000,
): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const stream = session.request({
      ":method": "POST",
      ":path": call.path,
      "content-type": "application/grpc+proto",
      te: "trailers",
      ...call.headers,
    });
    let httpStatus = 0;
    let status: string | undefined;
    let message = "";
    const timer = setTimeout(() => stream.close(http2.constants.NGHTTP2_CANCEL), timeoutMs);
    const take = (headers: http2.IncomingHttpHeaders) => {
      if (headers["grpc-status"] !== undefined) {
        status = String(headers["grpc-status"]);
        message = decodeGrpcMessage(String(headers["grpc-message"] ?? ""));
      }
    };
    stream.on("response", (headers) => {
      httpStatus = Number(headers[":status"]);
      take(headers);
    });
    // The status may arrive while the body is still being sent: the server drains the rest, and
    // the stream then closes cleanly. Cancelling it here would be a client-side RST_STREAM, which
    // node's rapid-reset defence counts (maxSessionRejectedStreams) until it closes the whole
    // session with GOAWAY, resetting every other call on it.
    stream.on("trailers", take);
    stream.on("data", () => undefined);
    // A reset shows as an error; the outcome is read on close.
    stream.on("error", () => undefined);
    stream.on("close", () => {
      clearTimeout(timer);
      if (status !== undefined) resolve({ code: Number(status), message, httpStatus });
      else if (stream.rstCode !== undefined && stream.rstCode !== 0)
        resolve({ code: "reset", message: `RST_STREAM ${stream.rstCode}`, httpStatus });
      else resolve({ code: "no-status", message: "", httpStatus });
    });
    stream.end(call.body);
  });
}

/** Sends one gRPC-Web or Connect call over HTTP/1.1 and reads its status from wherever the protocol puts it. */
export async function rawHttp1Call(baseUrl: string, call: RawCall): Promise<RawOutcome> {
  const contentType = {
    grpc: "application/grpc+proto",
    "grpc-web": "application/grpc-web+proto",
    "connect-proto": call.streaming ? "application/connect+proto" : "application/proto",
    "connect-json": call.streaming ? "application/connect+json" : "application/json",
  }[call.protocol];
  let res: { status: number; headers: Headers; body: Uint8Array };
  try {
    res = await post(
      `${baseUrl}${call.path}`,
      {
        "content-type": contentType,
        ...(call.protocol === "grpc-web" ? { "x-grpc-web": "1" } : { "connect-protocol-version": "1" }),
        ...call.headers,
      },
      call.body,
    );
  } catch (error) {
    return { code: "reset", message: String(error), httpStatus: 0 };
  }
  const { body, status: httpStatus } = res;
  if (call.protocol === "grpc-web") return grpcWebOutcome(res.headers, body, httpStatus);
  if (httpStatus !== 200 || !call.streaming) return connectUnaryOutcome(body, httpStatus);
  return connectStreamOutcome(body, httpStatus);
}

function grpcWebOutcome(headers: Headers, body: Uint8Array, httpStatus: number): RawOutcome {
  const fields = new Map<string, string>();
  headers.forEach((value, key) => fields.set(key, value));
  for (const { flags, data } of envelopes(body)) {
    if ((flags & FLAG_TRAILER) === 0) continue;
    for (const line of new TextDecoder().decode(data).split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
  }
  const status = fields.get("grpc-status");
  if (status === undefined) return { code: "no-status", message: "", httpStatus };
  return {
    code: Number(status),
    message: decodeGrpcMessage(fields.get("grpc-message") ?? ""),
    httpStatus,
  };
}

function connectUnaryOutcome(body: Uint8Array, httpStatus: number): RawOutcome {
  if (httpStatus === 200) return { code: 0, message: "", httpStatus };
  return { ...connectError(body), httpStatus };
}

function connectStreamOutcome(body: Uint8Array, httpStatus: number): RawOutcome {
  for (const { flags, data } of envelopes(body)) {
    if ((flags & FLAG_END_STREAM) === 0) continue;
    const end = JSON.parse(new TextDecoder().decode(data)) as { error?: unknown };
    if (end.error === undefined) return { code: 0, message: "", httpStatus };
    return { ...connectError(new TextEncoder().encode(JSON.stringify(end.error))), httpStatus };
  }
  return { code: "no-status", message: "", httpStatus };
}

function connectError(body: Uint8Array): Pick<RawOutcome, "code" | "message"> {
  try {
    const json = JSON.parse(new TextDecoder().decode(body)) as { code?: string; message?: string };
    const code = json.code === undefined ? undefined : codeFromString(json.code);
    return { code: code ?? "no-status", message: json.message ?? "" };
  } catch {
    return { code: "no-status", message: "" };
  }
}

function* envelopes(body: Uint8Array): Generator<{ flags: number; data: Uint8Array }> {
  let offset = 0;
  while (offset + 5 <= body.byteLength) {
    const length = new DataView(body.buffer, body.byteOffset + offset + 1, 4).getUint32(0);
    yield { flags: body[offset]!, data: body.subarray(offset + 5, offset + 5 + length) };
    offset += 5 + length;
  }
}

// Decoded the way grpc-js does (decodeURI), so a test sees what its users see.
function decodeGrpcMessage(value: string): string {
  try {
    return decodeURI(value);
  } catch {
    return value;
  }
}

// node:http rather than fetch: undici drops a response that arrives (with
// Connection: close) while it is still uploading, as the server's answer to
// an oversized body does; node:http and browsers read it.
// One connection per call: a refused oversized body closes its connection,
// and a pooled client could send its next call into that closing socket.
const agent = false;
const SLICE = 64 * 1024;

function post(
  url: string,
  headers: Record<string, string>,
  body: Uint8Array,
): Promise<{ status: number; headers: Headers; body: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(body.byteLength) },
        agent,
        timeout: 20_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const fields = new Headers();
          for (const [key, value] of Object.entries(res.headers))
            if (typeof value === "string") fields.set(key, value);
          resolve({
            status: res.statusCode ?? 0,
            headers: fields,
            body: new Uint8Array(Buffer.concat(chunks)),
          });
        });
      },
    );
    let answered = false;
    req.on("response", () => (answered = true));
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    // Sent in slices, and no more once an answer is in: a server that refused
    // an oversized body closes the connection behind its answer, and writing
    // on would only turn that answer into EPIPE here.
    void (async () => {
      for (let offset = 0; offset < body.byteLength && !answered; offset += SLICE) {
        if (!req.write(body.subarray(offset, offset + SLICE)))
          await new Promise<void>((resolve) => {
            // Whichever comes first; the other two listeners go, so slices never pile them up.
            const resume = () => {
              req.off("drain", resume).off("response", resume).off("close", resume);
              resolve();
            };
            req.once("drain", resume);
            req.once("response", resume);
            req.once("close", resume);
          });
      }
      if (!answered) req.end();
    })();
  });
}
