// Test support (not a test): one token-refresh replica as a real child
// process on a test namespace, the way it runs in production.
import { freePort, startServiceProcess, type ServiceProcess } from "@warden/testkit";
import type { TestInfrastructure } from "./test-token-refresh.js";

/** A running replica: its RPC base URL, probe URLs and process. */
export interface ReplicaProcess {
  url: string;
  metricsUrl: string;
  process: ServiceProcess;
}

/** Starts `node src/main.ts` on `infra`'s namespace with `env` over the defaults, and waits until it is ready. */
export async function startReplicaProcess(
  infra: TestInfrastructure,
  name: string,
  env: Record<string, string> = {},
): Promise<ReplicaProcess> {
  const [port, probePort] = [await freePort(), await freePort()];
  const child = startServiceProcess({
    entry: "services/token-refresh/src/main.ts",
    name,
    env: {
      WARDEN_NAMESPACE: infra.namespace,
      WARDEN_TOKENS_PORT: String(port),
      WARDEN_PROBE_PORT: String(probePort),
      WARDEN_ENCRYPTION_KEYS: infra.encryptionKeys,
      WARDEN_DB_POOL_SIZE: "8",
      LOG_LEVEL: "info",
      ...env,
    },
  });
  try {
    await child.waitForReady(`http://127.0.0.1:${probePort}/readyz`, 300_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${probePort}/metrics`,
    process: child,
  };
}

/** Sums a metric's samples (every label set) on one replica's probe port. */
export async function scrapeMetric(metricsUrl: string, name: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) total += Number(line.split(" ").pop());
  }
  return total;
}
