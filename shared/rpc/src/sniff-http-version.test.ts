import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { HTTP2_PREFACE, sniffHttpVersion, type HttpVersion } from "./sniff-http-version.js";

let server: net.Server | undefined;

afterEach(() => {
  server?.close();
  server = undefined;
});

// Starts a server that sniffs each connection and reports the verdict and
// the bytes still readable afterwards (which must be everything sent).
async function sniffWhatIsSent(chunks: Buffer[], timeoutMs = 1000) {
  const result = new Promise<{ version: HttpVersion | undefined; replay: Buffer }>((resolve) => {
    server = net.createServer(async (socket) => {
      const version = await sniffHttpVersion(socket, timeoutMs);
      const parts: Buffer[] = [];
      socket.on("data", (chunk: Buffer) => parts.push(chunk));
      socket.resume();
      setTimeout(() => {
        socket.destroy();
        resolve({ version, replay: Buffer.concat(parts) });
      }, 50);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server!.address() as net.AddressInfo;
  const client = net.connect(port, "127.0.0.1");
  for (const chunk of chunks) {
    client.write(chunk);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const outcome = await result;
  client.destroy();
  return outcome;
}

describe("sniffHttpVersion", () => {
  it("recognises the HTTP/2 preface even when it arrives in pieces, and replays it", async () => {
    const frames = Buffer.concat([HTTP2_PREFACE, Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);
    const { version, replay } = await sniffWhatIsSent([
      frames.subarray(0, 3),
      frames.subarray(3, 20),
      frames.subarray(20),
    ]);
    expect(version).toBe("h2");
    expect(replay.equals(frames)).toBe(true);
  });

  it("calls anything else HTTP/1.1 at the first differing byte and replays it", async () => {
    const request = Buffer.from("POST /x HTTP/1.1\r\nHost: a\r\n\r\n");
    const { version, replay } = await sniffWhatIsSent([request.subarray(0, 1), request.subarray(1)]);
    expect(version).toBe("http/1.1");
    expect(replay.toString()).toBe(request.toString());
  });

  it("gives up on a silent connection after the timeout", async () => {
    const { version } = await sniffWhatIsSent([], 30);
    expect(version).toBeUndefined();
  });
});
