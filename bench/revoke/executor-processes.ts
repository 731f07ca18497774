import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { TestStack } from "@warden/revoke-executor/testing";
import { freePort, startServiceProcess, type ServiceProcess } from "@warden/testkit";

/**
 * Starts `count` revoke-executor replicas as separate processes (as deployed,
 * each on its own event loop) on the stack's namespace; resolves once every
 * one is ready, with a stop function.
 */
export async function startExecutorProcesses(
  stack: TestStack,
  count: number,
): Promise<{ stop: () => Promise<void> }> {
  const require = createRequire(import.meta.url);
  const entry = join(dirname(require.resolve("@warden/revoke-executor")), "main.ts");
  const processes: ServiceProcess[] = [];
  for (let i = 1; i <= count; i++) {
    const probePort = await freePort();
    const child = startServiceProcess({
      entry,
      name: `revoke-executor-${i}`,
      env: {
        WARDEN_NAMESPACE: stack.namespace,
        DATABASE_URL: stack.urls.database,
        REDIS_URL: stack.urls.redis,
        NATS_URL: stack.urls.nats,
        WARDEN_ENCRYPTION_KEYS: stack.encryptionKeys,
        WARDEN_PROBE_PORT: String(probePort),
        LOG_LEVEL: "warn",
      },
    });
    processes.push(child);
    await child.waitForReady(`http://127.0.0.1:${probePort}/readyz`, 60_000);
  }
  return { stop: async () => void (await Promise.all(processes.map((p) => p.stop()))) };
}
