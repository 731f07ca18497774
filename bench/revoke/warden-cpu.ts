// CPU of exactly the processes a revoke run costs Warden: the executor processes,
// the PostgreSQL backends their pools opened, and the nats-server they talk to.
// The bench driver and the mock provider are left out, and so is anything else
// running on the machine (a name-based count would take every `node` and every
// `postgres` it finds).
import { readFileSync, readdirSync } from "node:fs";
import { sql, type Kysely } from "kysely";
import type { Database } from "@warden/db";

// Linux only: elsewhere nothing is counted and the figures read 0.
const TICK_MS = 10;

/** user+system CPU (ms) of one process so far, or undefined once it has gone. */
function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

/** The nats-server whose command line names `port` (4222 when it names none). */
export function natsServerPid(port: number): number | undefined {
  const candidates: { pid: number; args: string[] }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (args[0]?.endsWith("nats-server")) candidates.push({ pid: Number(entry), args });
    } catch {
      // Gone between listing and reading.
    }
  }
  const portOf = (args: string[]) => {
    const i = args.findIndex((a) => a === "-p" || a === "--port");
    return i >= 0 ? Number(args[i + 1]) : 4222;
  };
  return candidates.find((c) => portOf(c.args) === port)?.pid;
}

export type CpuGroup = "warden" | "postgres" | "nats";

export interface WardenCpuMeter {
  /** CPU ms per group since start, each process counted from its first sighting to its last. */
  stop(): Promise<Record<CpuGroup, number>>;
}

/**
 * Samples every `intervalMs`: a backend or executor that exits mid-run keeps the CPU it was last
 * seen with (its final slice, under one interval, is lost; at 250 ms that is noise).
 * `applicationName` picks the executors' PostgreSQL backends out of pg_stat_activity: the bench
 * driver's own pool must use another name.
 */
export function startWardenCpuMeter(options: {
  db: Kysely<Database>;
  applicationName: string;
  executorPids: number[];
  natsPid: number | undefined;
  intervalMs?: number;
}): WardenCpuMeter {
  let sampledOnce = false;
  const groups = new Map<number, CpuGroup>();
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const track = (pid: number, group: CpuGroup) => {
    const used = processCpuMs(pid);
    if (used === undefined) return;
    if (!groups.has(pid)) {
      groups.set(pid, group);
      // A backend first seen mid-run was opened mid-run: all its CPU is this run's.
      first.set(pid, group === "postgres" && sampledOnce ? 0 : used);
    }
    last.set(pid, used);
  };
  const sample = async () => {
    for (const pid of options.executorPids) track(pid, "warden");
    if (options.natsPid !== undefined) track(options.natsPid, "nats");
    const { rows } = await sql<{ pid: number }>`
      select pid from pg_stat_activity where application_name = ${options.applicationName}`.execute(
      options.db,
    );
    for (const { pid } of rows) track(pid, "postgres");
    sampledOnce = true;
  };
  let stopped = false;
  const loop = (async () => {
    await sample();
    while (!stopped) {
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
      await sample();
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await sample();
      const totals: Record<CpuGroup, number> = { warden: 0, postgres: 0, nats: 0 };
      for (const [pid, group] of groups) totals[group] += last.get(pid)! - first.get(pid)!;
      return totals;
    },
  };
}
