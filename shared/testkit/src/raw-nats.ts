import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

// Just enough of the NATS client protocol (INFO, CONNECT, PING/PONG, SUB, PUB, MSG/HMSG) for the testkit
// to ask JetStream's request API about its own streams without adding nats.js to the test harness.

/** A request/reply connection to one NATS server. */
export interface RawNatsConnection {
  /** Resolves with the reply payload; rejects on timeout, a no-responders status or a lost connection. */
  request(subject: string, body?: string, timeoutMs?: number): Promise<string>;
  /** Closes the socket and rejects requests still waiting. */
  close(): void;
}

interface Pending {
  resolve(payload: string): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Resolves with a connection to the first server of a (comma-separated) NATS URL list that completes the
 * handshake within `timeoutMs`; rejects naming every server and why it did not answer.
 */
export async function connectRawNats(urls: string, timeoutMs = 3_000): Promise<RawNatsConnection> {
  const failures: string[] = [];
  for (const url of urls
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean)) {
    try {
      return await connectOne(url, timeoutMs);
    } catch (error) {
      failures.push(`${url}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Error(failures.length === 0 ? "no NATS URL given" : failures.join("; "));
}

function connectOne(rawUrl: string, timeoutMs: number): Promise<RawNatsConnection> {
  const url = new URL(rawUrl.includes("://") ? rawUrl : `nats://${rawUrl}`);
  const socket: Socket = connect({
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: Number(url.port || 4222),
  });
  const inbox = `_INBOX.${randomBytes(8).toString("hex")}`;
  const pending = new Map<string, Pending>();
  let buffer = Buffer.alloc(0);
  let sequence = 0;
  let ready = false;

  return new Promise((resolveConnection, rejectConnection) => {
    const handshakeTimer = setTimeout(
      () => fail(new Error(`no NATS handshake within ${timeoutMs} ms`)),
      timeoutMs,
    );

    function fail(error: Error): void {
      clearTimeout(handshakeTimer);
      socket.destroy();
      for (const [key, waiting] of pending) {
        clearTimeout(waiting.timer);
        pending.delete(key);
        waiting.reject(error);
      }
      if (!ready) rejectConnection(error);
    }

    function onInfo(json: string): void {
      const info = JSON.parse(json) as { tls_required?: boolean };
      if (info.tls_required === true)
        return fail(new Error("server requires TLS, which the testkit does not speak"));
      const connectOptions = {
        verbose: false,
        pedantic: false,
        lang: "warden-testkit",
        version: "0",
        protocol: 1,
        headers: true,
        // Makes a request to a subject nobody serves (JetStream disabled) fail at once with status 503.
        no_responders: true,
        ...credentials(url),
      };
      socket.write(`CONNECT ${JSON.stringify(connectOptions)}\r\nSUB ${inbox}.* 1\r\nPING\r\n`);
    }

    function onMessage(subject: string, headers: string, payload: string): void {
      const waiting = pending.get(subject);
      if (waiting === undefined) return;
      pending.delete(subject);
      clearTimeout(waiting.timer);
      if (/^NATS\/1\.0 503/.test(headers)) waiting.reject(new Error("no responders (is JetStream enabled?)"));
      else waiting.resolve(payload);
    }

    function parse(): void {
      for (;;) {
        const end = buffer.indexOf("\r\n");
        if (end < 0) return;
        const line = buffer.subarray(0, end).toString();
        const space = line.indexOf(" ");
        const op = (space < 0 ? line : line.slice(0, space)).toUpperCase();
        const rest = space < 0 ? "" : line.slice(space + 1);
        if (op === "MSG" || op === "HMSG") {
          const args = rest.split(" ");
          const total = Number(args.at(-1));
          if (buffer.length < end + 2 + total + 2) return;
          const body = buffer.subarray(end + 2, end + 2 + total);
          buffer = buffer.subarray(end + 2 + total + 2);
          const headerLength = op === "HMSG" ? Number(args.at(-2)) : 0;
          onMessage(
            args[0] ?? "",
            body.subarray(0, headerLength).toString(),
            body.subarray(headerLength).toString(),
          );
          continue;
        }
        buffer = buffer.subarray(end + 2);
        if (op === "INFO") onInfo(rest);
        else if (op === "PING") socket.write("PONG\r\n");
        else if (op === "PONG" && !ready) {
          ready = true;
          clearTimeout(handshakeTimer);
          resolveConnection({ request, close: () => fail(new Error("connection closed")) });
        } else if (op === "-ERR") fail(new Error(`server said ${rest}`));
      }
    }

    function request(subject: string, body = "", requestTimeoutMs = timeoutMs): Promise<string> {
      if (socket.destroyed) return Promise.reject(new Error("connection closed"));
      const replyTo = `${inbox}.${++sequence}`;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(replyTo);
          reject(new Error(`no reply on ${subject} within ${requestTimeoutMs} ms`));
        }, requestTimeoutMs);
        pending.set(replyTo, { resolve, reject, timer });
        socket.write(`PUB ${subject} ${replyTo} ${Buffer.byteLength(body)}\r\n${body}\r\n`);
      });
    }

    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      try {
        parse();
      } catch (error) {
        fail(error instanceof Error ? error : new Error(String(error)));
      }
    });
    socket.on("error", (error) => fail(error));
    socket.on("close", () => fail(new Error("connection closed by server")));
  });
}

function credentials(url: URL): Record<string, string> {
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  if (user !== "" && pass !== "") return { user, pass };
  if (user !== "") return { auth_token: user };
  return {};
}
