import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { onProcessExit } from "./exit-hooks.js";
import { freePort } from "./free-port.js";
import { makeRunTempDir, runOwnedEnv } from "./run-resources.js";

/** A server process owned by one test: its own port and data dir, safe to stop, kill and restart. */
export interface PrivateServer {
  /** URL clients connect to; stays the same across restarts. */
  readonly url: string;
  readonly port: number;
  /** Temp dir holding the server's data; deleted by dispose(). */
  readonly dir: string;
  /** Starts the server again on the same port and data dir and resolves once it answers; no-op while running. */
  start(): Promise<void>;
  /** Shuts down gracefully (SIGKILL after 15 s) and resolves once the process is gone. */
  stop(): Promise<void>;
  /** SIGKILLs the server, as a crash would, and resolves once the process is gone. */
  kill(): Promise<void>;
  /** Stops the server and deletes its temp dir; idempotent. Also runs at process exit if forgotten. */
  dispose(): Promise<void>;
  /** Last lines the server printed, for diagnosing a failed test. */
  logs(): string[];
}

/** What a concrete server contributes to launchPrivateServer. */
export interface PrivateServerSpec {
  /** Short name for messages and the temp dir, e.g. "nats". */
  name: string;
  /** One-time preparation of the fresh temp dir (initdb, chown). */
  prepare?(dir: string): Promise<void>;
  command(port: number, dir: string): { file: string; args: string[]; uid?: number; gid?: number };
  url(port: number): string;
  /** Resolves when the server at `url` answers; rejects otherwise. */
  ping(url: string): Promise<void>;
  /** Signal for a graceful stop; PostgreSQL wants SIGINT (fast shutdown) rather than SIGTERM (waits for clients). */
  stopSignal?: NodeJS.Signals;
  startTimeoutMs?: number;
}

const LOG_LINES = 200;
const STOP_GRACE_MS = 15_000;

function isRunning(child: ChildProcess | undefined): child is ChildProcess {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

/**
 * Launches a server in a fresh run-scoped temp dir on a free port and resolves once it answers. If the
 * first launch fails (another process grabbed the port), it retries on a new port; later restarts keep
 * the port, retrying until the old instance's resources are released.
 */
export async function launchPrivateServer(spec: PrivateServerSpec): Promise<PrivateServer> {
  const dir = makeRunTempDir(spec.name);
  const lines: string[] = [];
  let port = await freePort();
  let pinned = false;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let disposed = false;

  const unregister = onProcessExit(() => {
    if (isRunning(child)) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  function record(chunk: Buffer): void {
    for (const line of chunk.toString().split("\n")) if (line !== "") lines.push(line);
    if (lines.length > LOG_LINES) lines.splice(0, lines.length - LOG_LINES);
  }

  function spawnOnce(): ChildProcess {
    const { file, args, uid, gid } = spec.command(port, dir);
    const process_ = spawn(file, args, {
      cwd: dir,
      env: runOwnedEnv(process.env),
      stdio: ["ignore", "pipe", "pipe"],
      ...(uid === undefined ? {} : { uid }),
      ...(gid === undefined ? {} : { gid }),
    });
    process_.stdout?.on("data", record);
    process_.stderr?.on("data", record);
    process_.on("error", (error) => lines.push(`spawn error: ${error.message}`));
    // A forgotten server must not keep the test process alive; the exit hook reaps it.
    process_.unref();
    (process_.stdout as { unref?: () => void } | null)?.unref?.();
    (process_.stderr as { unref?: () => void } | null)?.unref?.();
    exited = new Promise((resolve) => process_.once("close", () => resolve()));
    return process_;
  }

  async function attempt(deadline: number): Promise<void> {
    child = spawnOnce();
    const current = child;
    for (;;) {
      if (current.exitCode !== null || current.signalCode !== null) {
        throw new Error(`exited with ${current.exitCode ?? current.signalCode}`);
      }
      try {
        await spec.ping(spec.url(port));
        // If another process won the race for the port, the answer came from it while ours died on bind.
        if (isRunning(current)) return;
        continue;
      } catch (error) {
        if (Date.now() >= deadline) {
          current.kill("SIGKILL");
          throw error;
        }
      }
      await sleep(100);
    }
  }

  async function start(): Promise<void> {
    if (disposed) throw new Error(`private ${spec.name} was disposed`);
    if (isRunning(child)) return;
    const timeoutMs = spec.startTimeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await attempt(deadline);
        pinned = true;
        return;
      } catch (error) {
        await exited;
        if (Date.now() >= deadline) {
          const reason = error instanceof Error ? error.message : String(error);
          const tail = lines.slice(-15).join("\n  ");
          throw new Error(
            `private ${spec.name} on port ${port} did not answer within ${timeoutMs} ms: ${reason}\n  ${tail}`,
          );
        }
        if (!pinned) port = await freePort();
        await sleep(250);
      }
    }
  }

  async function signalAndWait(signal: NodeJS.Signals): Promise<void> {
    if (!isRunning(child)) return exited;
    const running = child;
    // The child and its pipes are unref'd, so something must keep the event loop alive while we wait.
    const keepAlive = setInterval(() => undefined, 1_000);
    const escalate = setTimeout(() => running.kill("SIGKILL"), STOP_GRACE_MS);
    try {
      running.kill(signal);
      await exited;
    } finally {
      clearInterval(keepAlive);
      clearTimeout(escalate);
    }
  }

  if (spec.prepare !== undefined) {
    try {
      await spec.prepare(dir);
    } catch (error) {
      unregister();
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  const server: PrivateServer = {
    dir,
    get port() {
      return port;
    },
    get url() {
      return spec.url(port);
    },
    start,
    stop: () => signalAndWait(spec.stopSignal ?? "SIGTERM"),
    kill: () => signalAndWait("SIGKILL"),
    async dispose() {
      if (disposed) return;
      disposed = true;
      await signalAndWait(spec.stopSignal ?? "SIGTERM");
      unregister();
      await rm(dir, { recursive: true, force: true });
    },
    logs: () => [...lines],
  };
  try {
    await start();
  } catch (error) {
    await server.dispose();
    throw error;
  }
  return server;
}
