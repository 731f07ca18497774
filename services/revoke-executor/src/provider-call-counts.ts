// Test support (not a test): what the mock provider saw, per token, for the
// revoke tests that promise "nothing revoked twice".
import { spawn, type ChildProcess } from "node:child_process";
import type { MockProvider } from "@warden/mock-provider";
import type { SeededAccount } from "./test-fixtures.js";

/** Revoke calls per seeded account at the provider: how many were never called, and how many more than once. */
export interface ProviderCallCounts {
  accounts: number;
  /** Accounts whose token the provider never saw. */
  uncalled: number;
  /** Accounts whose token the provider was asked to revoke more than once. */
  calledTwice: number;
  /** Calls beyond the first, summed over every account. */
  extraCalls: number;
}

/** Counts, from the provider's own counters, the revoke calls each account's token received. */
export function providerCallCounts(provider: MockProvider, accounts: SeededAccount[]): ProviderCallCounts {
  const calls = provider.counters.revokeCallsByToken;
  let uncalled = 0;
  let calledTwice = 0;
  let extraCalls = 0;
  for (const account of accounts) {
    const n = calls.get(account.refreshToken) ?? 0;
    if (n === 0) uncalled++;
    if (n > 1) calledTwice++;
    extraCalls += Math.max(0, n - 1);
  }
  return { accounts: accounts.length, uncalled, calledTwice, extraCalls };
}

/** Starts `count` processes that spin a core each until stopped, to run a test on a loaded machine. */
export function startBusyLoops(count: number): { stop(): Promise<void> } {
  const children: ChildProcess[] = [];
  for (let i = 0; i < count; i++)
    children.push(spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
  return {
    async stop() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once("exit", () => resolve());
              child.kill("SIGKILL");
            }),
        ),
      );
    },
  };
}
