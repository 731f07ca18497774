// Test support (not a test): a gateway process forwarding SweeperService to a
// real sweeper process, both on one fresh namespace, with the sweeper's
// start-up runs already done so manual runs never find a task's lease taken.
import { SweeperService } from "@warden/proto/sweeper/v1";
import { freePort, waitFor } from "@warden/testkit";
import { connectClient } from "./test-clients.js";
import { openE2eStack, type E2eStack, type RunningService } from "./test-e2e-stack.js";

/** The tasks the sweeper runs, in its order. */
export const SWEEPER_TASKS = ["leases-expiry", "ledger-retention"] as const;
// Slots are aligned to the epoch: with 30 days no scheduled run falls inside a test,
// so every run after the start-up one is a manual one.
export const SWEEPER_INTERVAL_SECONDS = 30 * 24 * 3600;

export interface GatewayWithSweeper {
  stack: E2eStack;
  gateway: RunningService;
  sweeper: RunningService;
}

/** Starts the gateway, then the sweeper on the port the gateway forwards to; resolves once the sweeper is idle. */
export async function startGatewayWithSweeper(label: string, logLevel?: string): Promise<GatewayWithSweeper> {
  const stack = openE2eStack(label, logLevel);
  const sweeperPort = String(await freePort());
  // The gateway first: it migrates the namespace.
  const gateway = await stack.startGateway({ WARDEN_SWEEPER_URL: `http://127.0.0.1:${sweeperPort}` });
  const sweeper = await stack.startSweeper({
    WARDEN_SWEEPER_PORT: sweeperPort,
    WARDEN_SWEEPER_TASKS: SWEEPER_TASKS.join(","),
    WARDEN_SWEEPER_INTERVAL_MS: String(SWEEPER_INTERVAL_SECONDS * 1000),
  });
  const direct = connectClient(SweeperService, sweeper.url, stack.adminKey);
  await waitFor(
    async () => (await direct.listTasks({})).tasks.every((task) => task.lastOutcome && !task.leader),
    { message: "the sweeper's start-up run of every task to finish", timeoutMs: 60_000, intervalMs: 200 },
  );
  return { stack, gateway, sweeper };
}
