// bench:startup — start time (spawn → /readyz 200) and resident memory once ready
// of each service run through tsx (src/main.ts) and built (node dist/main.js, from
// `pnpm build`), one after the other on one throwaway namespace.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { freePort, testNamespace, waitFor } from "@warden/testkit";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SERVICES = ["jobs-gateway", "revoke-executor", "token-refresh", "sweeper"];
const PORT_VARIABLE: Record<string, string> = {
  "jobs-gateway": "WARDEN_GATEWAY_PORT",
  "token-refresh": "WARDEN_TOKENS_PORT",
  sweeper: "WARDEN_SWEEPER_PORT",
};
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const namespace = process.env.WARDEN_NAMESPACE ?? testNamespace("startup");
const key = randomBytes(32).toString("base64");

async function measure(service: string, built: boolean): Promise<{ ms: number; rssMiB: number }> {
  const probePort = await freePort();
  const args = built
    ? ["--enable-source-maps", `services/${service}/dist/main.js`]
    : ["--import", tsx, `services/${service}/src/main.ts`];
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      WARDEN_NAMESPACE: namespace,
      WARDEN_ENCRYPTION_KEYS: `k1:${key}`,
      WARDEN_ADMIN_KEY: `admin-${randomBytes(12).toString("hex")}`,
      WARDEN_PROBE_PORT: String(probePort),
      ...(PORT_VARIABLE[service] ? { [PORT_VARIABLE[service]]: String(await freePort()) } : {}),
      LOG_LEVEL: "warn",
    },
    stdio: "ignore",
  });
  await waitFor(
    async () => (await fetch(`http://127.0.0.1:${probePort}/readyz`).catch(() => undefined))?.ok,
    {
      message: `${service} ready`,
      timeoutMs: 60_000,
      intervalMs: 10,
    },
  );
  const ms = performance.now() - started;
  const status = await readFile(`/proc/${child.pid}/status`, "utf8");
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
  return { ms, rssMiB: rssKiB / 1024 };
}

process.stdout.write(`bench:startup — spawn → /readyz 200, and RSS when ready (namespace ${namespace})\n`);
for (const service of SERVICES) {
  const tsxRun = await measure(service, false);
  const nodeRun = await measure(service, true);
  process.stdout.write(
    `  ${service.padEnd(16)} tsx ${Math.round(tsxRun.ms)} ms, ${tsxRun.rssMiB.toFixed(0)} MiB   node dist ${Math.round(nodeRun.ms)} ms, ${nodeRun.rssMiB.toFixed(0)} MiB\n`,
  );
}
