/** A stream the CLI writes to; process.stdout/stderr fit, and so do test captures. */
export interface OutputStream {
  write(chunk: string): unknown;
  /** True for an interactive terminal: enables the redrawn progress bar. */
  isTTY?: boolean;
  /** Terminal width, when known. */
  columns?: number;
}

/** Everything the CLI touches outside itself, passed in so tests run it in-process. */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  env: Record<string, string | undefined>;
  /** Read by `accounts import -`. */
  stdin?: NodeJS.ReadableStream;
  /** Aborts on Ctrl-C: long commands (watch) stop cleanly. */
  signal?: AbortSignal;
  /** Clock for rates and durations; tests may fix it. */
  now?: () => number;
}

/** A mistake in how the command was called (exit code 2), as opposed to an RPC failure. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Exit codes scripts can rely on. */
export const EXIT = {
  ok: 0,
  /** The RPC failed; the gRPC code and message are on stderr. */
  rpcError: 1,
  /** Bad command line. */
  usage: 2,
  /** A watched job ended with failed or cancelled items. */
  jobFailures: 3,
  /** Interrupted (Ctrl-C) while watching. */
  interrupted: 130,
} as const;
