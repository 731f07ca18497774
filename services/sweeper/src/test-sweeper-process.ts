// Test support (not a test): the sweeper as a real child process on free ports.
import { freePort, startServiceProcess, type ServiceProcess } from "@warden/testkit";
import { fileURLToPath } from "node:url";

const ENTRY = fileURLToPath(new URL("./main.ts", import.meta.url));

export interface SweeperProcess {
  process: ServiceProcess;
  instanceId: string;
  rpcUrl: string;
  probeUrl: string;
}

/** Starts one sweeper replica with `env` over the defaults and waits until /readyz answers. */
export async function startSweeperProcess(
  instanceId: string,
  env: Record<string, string>,
): Promise<SweeperProcess> {
  const rpcPort = await freePort();
  const probePort = await freePort();
  const child = startServiceProcess({
    entry: ENTRY,
    name: `sweeper-${instanceId}`,
    env: {
      LOG_LEVEL: "info",
      WARDEN_SWEEPER_PORT: String(rpcPort),
      WARDEN_PROBE_PORT: String(probePort),
      WARDEN_SWEEPER_INSTANCE_ID: instanceId,
      ...env,
    },
  });
  const probeUrl = `http://127.0.0.1:${probePort}`;
  await child.waitForReady(`${probeUrl}/readyz`, 60_000);
  return { process: child, instanceId, rpcUrl: `http://127.0.0.1:${rpcPort}`, probeUrl };
}

/** The `task run finished` lines a replica logged, as task/slot/outcome. */
export function finishedRuns(child: ServiceProcess): { task: string; slot: number; outcome: string }[] {
  return child.logs().flatMap((line) => {
    if (!line.includes('"task run finished"')) return [];
    const parsed = JSON.parse(line) as { task: string; slot?: number; outcome: string };
    return parsed.slot === undefined
      ? []
      : [{ task: parsed.task, slot: parsed.slot, outcome: parsed.outcome }];
  });
}
