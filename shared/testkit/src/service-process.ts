import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { onProcessExit } from "./exit-hooks.js";
import { runOwnedEnv } from "./run-resources.js";

/** Options for startServiceProcess. */
export interface ServiceProcessOptions {
  /** Path to the service's TypeScript main file, relative to `cwd`. */
  entry: string;
  /** Name used in error messages and echoed log lines, e.g. "revoke-executor". */
  name: string;
  /** Merged over process.env; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Working directory of the child (default: this process's). */
  cwd?: string;
}

/** A service running as a real child process, as it runs in production. */
export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  /** Every stdout and stderr line so far, in arrival order (for asserting what was, or was not, logged). */
  logs(): string[];
  /** Resolves once GET `url` answers 200; rejects with the last log lines if the process exits or time runs out. */
  waitForReady(url: string, timeoutMs?: number): Promise<void>;
  /** Sends `signal` (default SIGKILL) without waiting. */
  kill(signal?: NodeJS.Signals): void;
  /** Sends SIGTERM, SIGKILLs after `timeoutMs` (default 15 s), and resolves with the exit code (null if killed by a signal). */
  stop(timeoutMs?: number): Promise<number | null>;
  /** Resolves with the exit code (null if killed by a signal) once the process has exited and its output is read. */
  readonly exited: Promise<number | null>;
}

// Resolved from this file so the child finds tsx wherever the test runs from.
const tsxLoader = (): string => pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/**
 * Spawns `node --import tsx <entry>` with `env` over process.env and captures its output lines. The child
 * is SIGKILLed if this process exits first, so a failed test never leaves a service running.
 * Set WARDEN_TEST_LOGS=1 to echo its lines to stderr, prefixed with the name.
 */
export function startServiceProcess({
  entry,
  name,
  env = {},
  cwd = process.cwd(),
}: ServiceProcessOptions): ServiceProcess {
  const entryPath = resolve(cwd, entry);
  if (!existsSync(entryPath)) throw new Error(`${name}: entry ${entryPath} does not exist`);
  const childEnv: NodeJS.ProcessEnv = runOwnedEnv(process.env);
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[key];
    else childEnv[key] = value;
  }
  const child = spawn(process.execPath, ["--import", tsxLoader(), entryPath], {
    cwd,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`${name}: could not spawn ${process.execPath}`);
  const pid = child.pid;

  const lines: string[] = [];
  const echo = process.env.WARDEN_TEST_LOGS === "1";
  const collect = (stream: NodeJS.ReadableStream | null): void => {
    let partial = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) push(line);
    });
    stream?.on("end", () => {
      if (partial !== "") push(partial);
      partial = "";
    });
  };
  const push = (line: string): void => {
    lines.push(line);
    if (echo) process.stderr.write(`[${name}] ${line}\n`);
  };
  collect(child.stdout);
  collect(child.stderr);

  const unregister = onProcessExit(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  // "close" waits for the output pipes to drain, so logs() is complete once `exited` resolves.
  const exited = new Promise<number | null>((resolveExit) => {
    child.once("close", (code) => {
      unregister();
      resolveExit(code);
    });
  });
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const tail = (): string => lines.slice(-20).join("\n  ");

  return {
    name,
    pid,
    exited,
    logs: () => [...lines],
    kill(signal = "SIGKILL") {
      if (!hasExited) child.kill(signal);
    },
    async stop(timeoutMs = 15_000) {
      if (!hasExited) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    async waitForReady(url, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let last = "no answer yet";
      while (Date.now() < deadline) {
        if (hasExited)
          throw new Error(`${name} exited (code ${await exited}) before ${url} was ready:\n  ${tail()}`);
        try {
          const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
          await response.body?.cancel();
          if (response.status === 200) return;
          last = `HTTP ${response.status}`;
        } catch (error) {
          last = error instanceof Error ? error.message : String(error);
        }
        await sleep(100);
      }
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${name} at ${url} (${last}):\n  ${tail()}`,
      );
    },
  };
}
