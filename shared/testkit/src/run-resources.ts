import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testRunId } from "./namespace.js";

// A worker killed outright (SIGKILL, OOM) runs no exit hook, so every process and directory the testkit
// creates carries the run id where global teardown can find it: in the environment and in the path.

/** Environment marker set on every process the testkit spawns, so teardown can find survivors of this run. */
export const RUN_OWNER_ENV = "WARDEN_TESTKIT_OWNER";

/** Creates and returns a new empty directory under the OS temp dir whose name starts with this run's id. */
export function makeRunTempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `${testRunId()}-${label}-`));
}

/** Environment for a child of this run: `base` plus the owner marker teardown looks for. */
export function runOwnedEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...base, [RUN_OWNER_ENV]: testRunId() };
}

/** SIGKILLs every process (other than this one) spawned with run `runId`'s owner marker; returns how many. Linux only; never throws. */
export function killRunProcesses(runId: string): number {
  const marker = Buffer.from(`${RUN_OWNER_ENV}=${runId}\0`);
  let killed = 0;
  let pids: string[] = [];
  try {
    pids = readdirSync("/proc").filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid);
  } catch {
    return 0;
  }
  for (const pid of pids) {
    try {
      const environ = readFileSync(`/proc/${pid}/environ`);
      // Each entry ends in NUL; matching "\0NAME=" or a leading "NAME=" avoids hitting a longer name.
      const index = environ.indexOf(marker);
      if (index < 0 || (index > 0 && environ[index - 1] !== 0)) continue;
      process.kill(Number(pid), "SIGKILL");
      killed++;
    } catch {
      // Gone already, or not ours to read.
    }
  }
  return killed;
}

/** Deletes every temp directory run `runId` created; returns how many. Never throws. */
export function removeRunTempDirs(runId: string): number {
  let removed = 0;
  try {
    for (const entry of readdirSync(tmpdir())) {
      if (!entry.startsWith(`${runId}-`)) continue;
      try {
        rmSync(join(tmpdir(), entry), { recursive: true, force: true });
        removed++;
      } catch {
        // Best effort: a directory we cannot delete must not fail the run.
      }
    }
  } catch {
    // No temp dir to list.
  }
  return removed;
}
