#!/usr/bin/env tsx
// Entry point: the only file here with side effects (reads argv, listens, handles signals).
import { CLI_USAGE, parseCliArgs } from "./cli-args.js";
import { startMockProvider } from "./start-mock-provider.js";

async function main(): Promise<void> {
  let command;
  try {
    command = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`warden-mock-provider: ${(error as Error).message}\n${CLI_USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (command.kind === "help") {
    process.stdout.write(`${CLI_USAGE}\n`);
    return;
  }
  const provider = await startMockProvider(command.options);
  // One JSON line, so scripts and benchmarks can read the ephemeral port from stdout.
  process.stdout.write(
    `${JSON.stringify({
      url: provider.url,
      tokenUrl: provider.tokenUrl,
      revokeUrl: provider.revokeUrl,
      controlUrl: provider.controlUrl,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
    })}\n`,
  );
  const shutdown = (): void => {
    provider.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`warden-mock-provider: close failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`warden-mock-provider: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
