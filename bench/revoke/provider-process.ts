import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { onProcessExit } from "@warden/testkit";

/** A mock provider running in a child process (so it does not share the benchmark's event loop). */
export interface ProviderProcess {
  url: string;
  revokeUrl: string;
  controlUrl: string;
  clientId: string;
  clientSecret: string;
  counters(): Promise<{ revokeCalls: number; revokeSuccesses: number }>;
  reset(): Promise<void>;
  stop(): void;
}

/** Starts `warden-mock-provider` with `args` and resolves with the endpoints it printed. */
export async function startProviderProcess(args: string[]): Promise<ProviderProcess> {
  const require = createRequire(import.meta.url);
  const tsx = pathToFileURL(require.resolve("tsx")).href;
  const cli = join(dirname(require.resolve("@warden/mock-provider")), "cli.ts");
  const child = spawn(process.execPath, ["--import", tsx, cli, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const unregister = onProcessExit(() => child.kill("SIGKILL"));
  const line = await new Promise<string>((resolve, reject) => {
    let buffered = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      buffered += chunk;
      const end = buffered.indexOf("\n");
      if (end >= 0) resolve(buffered.slice(0, end));
    });
    child.once("exit", (code) => reject(new Error(`mock provider exited with ${code}`)));
  });
  const info = JSON.parse(line) as Omit<ProviderProcess, "counters" | "reset" | "stop">;
  return {
    ...info,
    async counters() {
      const response = await fetch(info.url + "/__counters");
      return (await response.json()) as { revokeCalls: number; revokeSuccesses: number };
    },
    async reset() {
      await fetch(info.url + "/__reset", { method: "POST" });
    },
    stop() {
      unregister();
      child.kill("SIGTERM");
    },
  };
}
