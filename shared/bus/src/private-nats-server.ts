// A throwaway nats-server with JetStream for tests that kill and restart NATS;
// the shared server on 4222 is never touched.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? "/usr/sbin/nats-server";

export interface PrivateNatsServer {
  url: string;
  /** SIGKILLs the server (no clean shutdown, like a crash). */
  kill(): Promise<void>;
  /** Starts it again on the same port and store dir. */
  restart(): Promise<void>;
  /** Kills it and removes its store dir. */
  dispose(): Promise<void>;
}

/** Starts `nats-server -js` on a free loopback port with a temporary store dir. */
export async function startPrivateNatsServer(): Promise<PrivateNatsServer> {
  const port = await freePort();
  const storeDir = await mkdtemp(join(tmpdir(), "warden-bus-nats-"));
  let child: ChildProcess | undefined;

  const start = async () => {
    child = spawn(NATS_SERVER_BIN, ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", storeDir], {
      stdio: "ignore",
    });
    await waitForPort(port, 10_000);
  };
  const kill = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill("SIGKILL");
    await exited;
  };

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    kill,
    restart: start,
    async dispose() {
      await kill();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline)
      throw new Error(`nats-server did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
