// Test support (not a test): runs the CLI in-process with captured output,
// exactly as main.ts runs it, so tests see its stdout, stderr and exit code.
import type { CliIo, OutputStream } from "./cli-io.js";
import { runCli } from "./run-cli.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A writable that keeps everything written to it. */
export function captureStream(
  options: { isTTY?: boolean; columns?: number } = {},
): OutputStream & { text(): string } {
  const chunks: string[] = [];
  return {
    isTTY: options.isTTY ?? false,
    columns: options.columns,
    write(chunk: string) {
      chunks.push(chunk);
      return true;
    },
    text: () => chunks.join(""),
  };
}

/** Runs `warden <args>` against `gatewayUrl` with `env` (no process env leaks in). */
export async function runWarden(
  args: string[],
  env: Record<string, string | undefined>,
  options: Partial<Pick<CliIo, "signal" | "stdin">> & {
    tty?: boolean;
    columns?: number;
    /** Where stdout goes, so a test can read it while the command still runs. */
    stdout?: ReturnType<typeof captureStream>;
  } = {},
): Promise<CliResult> {
  const stdout = options.stdout ?? captureStream({ isTTY: options.tty, columns: options.columns });
  const stderr = captureStream();
  const code = await runCli(args, { stdout, stderr, env, signal: options.signal, stdin: options.stdin });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
