import type { IncomingMessage } from "node:http";

/** Thrown when a request body exceeds the limit. */
export class BodyTooLargeError extends Error {
  constructor(limitBytes: number) {
    super(`request body exceeds ${limitBytes} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/** Reads the whole body as UTF-8, rejecting with BodyTooLargeError past `limitBytes`. */
export function readRequestBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    let size = 0;
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      size += Buffer.byteLength(chunk);
      if (size > limitBytes) {
        // Stop buffering but keep draining, so the 413 can still be written on this connection.
        req.removeAllListeners("data");
        req.resume();
        reject(new BodyTooLargeError(limitBytes));
        return;
      }
      body += chunk;
    });
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}
