import type { TestStack } from "@warden/revoke-executor/testing";
import type { ServiceProcess } from "@warden/testkit";
import { startExecutorProcess } from "@warden/revoke-executor/testing";

/**
 * Starts `count` revoke-executor replicas as separate processes (as deployed,
 * each on its own event loop) on the stack's namespace; resolves once every
 * one is ready, with a stop function.
 */
export async function startExecutorProcesses(
  stack: TestStack,
  count: number,
): Promise<{ stop: () => Promise<void> }> {
  const processes: ServiceProcess[] = [];
  for (let i = 1; i <= count; i++)
    processes.push(await startExecutorProcess(stack, { name: `revoke-executor-${i}`, logLevel: "warn" }));
  return { stop: async () => void (await Promise.all(processes.map((p) => p.stop()))) };
}
