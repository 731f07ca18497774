import { readdirSync, readFileSync } from "node:fs";

/** CPU time (ms) used so far by every process on the machine, summed by name; the caller is "bench+executor". */
export type CpuSnapshot = Map<string, number>;

// Linux only: elsewhere the snapshot is empty and nothing is printed.
const TICK_MS = 10;

/** Reads user+system time of every process from /proc. */
export function cpuSnapshot(): CpuSnapshot {
  const byName: CpuSnapshot = new Map();
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((entry) => /^\d+$/.test(entry));
  } catch {
    return byName;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const name =
        Number(pid) === process.pid
          ? "bench+executor"
          : stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const used = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
      byName.set(name, (byName.get(name) ?? 0) + used);
    } catch {
      // The process ended between listing and reading.
    }
  }
  return byName;
}

/** "name 85%, …": each process's share of one core between two snapshots, busiest first (≥ 3 %). */
export function cpuShares(before: CpuSnapshot, after: CpuSnapshot, wallMs: number): string {
  return [...after]
    .map(([name, used]) => [name, (used - (before.get(name) ?? 0)) / wallMs] as const)
    .filter(([, share]) => share >= 0.03)
    .sort((a, b) => b[1] - a[1])
    .map(([name, share]) => `${name} ${Math.round(share * 100)}%`)
    .join(", ");
}

/** CPU time (ms) used by every process on the machine between two snapshots. */
export function totalCpuMs(before: CpuSnapshot, after: CpuSnapshot): number {
  let total = 0;
  for (const [name, used] of after) total += used - (before.get(name) ?? 0);
  return total;
}

/** Runs one ceiling and also returns the machine's CPU time it cost per item (µs, all processes). */
export async function withCpuCost(
  items: number,
  run: () => Promise<number>,
): Promise<{ rate: number; cpuUsPerItem: number }> {
  const before = cpuSnapshot();
  const rate = await run();
  return { rate, cpuUsPerItem: (totalCpuMs(before, cpuSnapshot()) * 1000) / items };
}
