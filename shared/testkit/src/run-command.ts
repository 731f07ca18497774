import { execFile } from "node:child_process";

/** Options for runCommand. */
export interface RunCommandOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as another OS user (only when we are root). */
  uid?: number;
  gid?: number;
}

/**
 * Resolves with the stdout of `file args` when it exits 0 within the timeout (default 15 s); otherwise
 * rejects with an error naming the command and carrying its stderr, or saying it is not installed.
 */
export function runCommand(
  file: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<string> {
  const { timeoutMs = 15_000, env, cwd, uid, gid } = options;
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        timeout: timeoutMs,
        env: env ?? process.env,
        maxBuffer: 64 * 1024 * 1024,
        killSignal: "SIGKILL",
        ...(cwd === undefined ? {} : { cwd }),
        ...(uid === undefined ? {} : { uid }),
        ...(gid === undefined ? {} : { gid }),
      },
      (error, stdout, stderr) => {
        if (error === null) return resolve(stdout);
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT")
          return reject(new Error(`${file} is not installed (run deploy/local/setup.sh)`));
        const detail = stderr.trim() || stdout.trim() || error.message;
        reject(new Error(`${file} failed: ${detail}`, { cause: error }));
      },
    );
  });
}
