// bench:revoke:observability — what metrics and tracing cost the revoke hot path.
// Runs the same job (BENCH_ACCOUNTS accounts, default 20,000; provider at zero
// latency) on an in-process executor without metrics and with tracing off
// ("bare"), with the probe registry's metrics, with a recording tracer whose
// spans go nowhere (sampled and ended, exporter off), with both ("observed"),
// and with both and a span for every provider call instead of the default
// budget per job run ("every call"), BENCH_ROUNDS times each (default 4), and prints the medians and
// the median of each round's change against that round's bare job. Each round starts at the
// next variant, so every variant runs in every position: a job runs on a
// database its predecessors grew (and autovacuum may be catching up on), and a
// fixed order would charge that to whichever variant always ran last.
// Then one observed run against a provider failing 10 % of calls (503, retried)
// prints the executor's /metrics beside the ledger's counts.
import { NoopSpanProcessor } from "@opentelemetry/sdk-trace";
import { createMetricsRegistry } from "@warden/probes";
import {
  ledgerCounts,
  openTestStack,
  readJob,
  seedProject,
  startProjectJob,
  startTestExecutor,
  waitForJobStatus,
  type TestStack,
} from "@warden/revoke-executor/testing";
import { startTelemetry } from "@warden/telemetry";
import type { Registry } from "prom-client";
import { levelDatabase } from "./level-database.js";
import { startProviderProcess, type ProviderProcess } from "./provider-process.js";

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const log = (line: string) => process.stdout.write(`${line}\n`);

interface JobRun {
  rate: number;
  /** CPU of this process (the executor and the driver) per revoked item, µs: steadier than the rate. */
  cpuUs: number;
}

async function runJob(
  stack: TestStack,
  provider: ProviderProcess,
  registry?: Registry,
  tracedCallsPerJobRun?: number,
): Promise<JobRun> {
  const { db } = stack.database;
  const project = await seedProject(db, stack.keyring, { accounts: ACCOUNTS, revokeUrl: provider.revokeUrl });
  // Every job starts from the same database state, whatever its predecessors left to autovacuum.
  await levelDatabase(db);
  const executor = await startTestExecutor(
    stack,
    {
      retryBaseMs: 50,
      retryMaxMs: 500,
      maxAttempts: 30,
      ...(tracedCallsPerJobRun ? { tracedCallsPerJobRun } : {}),
    },
    registry ? { registry } : {},
  );
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const jobId = await startProjectJob(db, stack.bus, stack.namespace, project);
  await waitForJobStatus(db, jobId, "completed", 600_000);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await executor.stop();
  const job = await readJob(db, jobId);
  return { rate: job.revoked / seconds, cpuUs: (cpu.user + cpu.system) / job.revoked };
}

async function main() {
  const provider = await startProviderProcess([]);
  const stack = await openTestStack("bench_obs");
  try {
    log(
      `bench:revoke:observability — ${ACCOUNTS.toLocaleString("en-US")} accounts per job, ${ROUNDS} rounds`,
    );
    // Each variant once per round, so a drifting machine load hits all alike.
    // "every call": both, with a span for every provider call rather than the default budget per
    // job run (WARDEN_TRACE_CALLS_PER_JOB, 1,000: see provider-call-spans.ts).
    type Variant = { metrics: boolean; tracing: boolean; everyCall?: boolean };
    const variants = {
      bare: { metrics: false, tracing: false },
      metrics: { metrics: true, tracing: false },
      tracing: { metrics: false, tracing: true },
      observed: { metrics: true, tracing: true },
      everyCall: { metrics: true, tracing: true, everyCall: true },
    } satisfies Record<string, Variant>;
    const runs: Record<keyof typeof variants, JobRun[]> = {
      bare: [],
      metrics: [],
      tracing: [],
      observed: [],
      everyCall: [],
    };
    // One registry for the process, as main.ts has: a registry per job would start another set of
    // default collectors (GC observer, event-loop monitor) each time and charge them all to later runs.
    const registry = createMetricsRegistry("revoke-executor");
    // A warm-up job (JIT, pools), not counted.
    await runJob(stack, provider);
    for (let round = 0; round < ROUNDS; round++) {
      const order = Object.entries(variants) as Array<[keyof typeof variants, Variant]>;
      const first = round % order.length;
      for (const [name, variant] of [...order.slice(first), ...order.slice(0, first)]) {
        const tracing = variant.tracing
          ? // As main.ts starts it: no active context (the executor carries trace context by hand).
            startTelemetry({
              service: "revoke-executor",
              env: {},
              processors: [new NoopSpanProcessor()],
              activeContext: false,
            })
          : undefined;
        runs[name].push(
          await runJob(
            stack,
            provider,
            variant.metrics ? registry : undefined,
            variant.everyCall ? Number.MAX_SAFE_INTEGER : undefined,
          ),
        );
        await tracing?.shutdown();
      }
      log(
        `  round ${round + 1}: ${Object.entries(runs)
          .map(([name, xs]) => `${name} ${Math.round(xs[round]!.rate)}/s ${xs[round]!.cpuUs.toFixed(0)} µs`)
          .join(", ")} (items/s, CPU per item)`,
      );
    }
    const median = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      const middle = Math.floor(sorted.length / 2);
      return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
    };
    const rate = (name: keyof typeof variants) => median(runs[name].map((r) => r.rate));
    const cpu = (name: keyof typeof variants) => median(runs[name].map((r) => r.cpuUs));
    const percent = (ratio: number) => `${((ratio - 1) * 100).toFixed(1)} %`;
    const against = (name: keyof typeof variants) =>
      `rate ${percent(rate(name) / rate("bare"))}, CPU ${percent(cpu(name) / cpu("bare"))}`;
    log(
      `median: bare ${Math.round(rate("bare"))} items/s, ${cpu("bare").toFixed(0)} µs CPU per item; ` +
        `metrics only ${against("metrics")}; tracing only ${against("tracing")}; ` +
        `metrics + tracing ${Math.round(rate("observed"))} items/s: ${against("observed")}; ` +
        `metrics + tracing every provider call ${against("everyCall")}`,
    );
    // The machine's speed drifts across a long run (other tenants, autovacuum); a variant against the
    // bare job of its own round, a minute apart at most, cancels most of that drift.
    const paired = (name: keyof typeof variants, of: (run: JobRun) => number) =>
      percent(median(runs[name].map((run, round) => of(run) / of(runs.bare[round]!))));
    const pairedAgainst = (name: keyof typeof variants) =>
      `rate ${paired(name, (r) => r.rate)}, CPU ${paired(name, (r) => r.cpuUs)}`;
    log(
      `median of each round's change against its own bare job: metrics only ${pairedAgainst("metrics")}; ` +
        `tracing only ${pairedAgainst("tracing")}; metrics + tracing ${pairedAgainst("observed")}; ` +
        `metrics + tracing every provider call ${pairedAgainst("everyCall")}`,
    );
  } finally {
    provider.stop();
  }

  // The operator's view: a job against a provider that fails one call in ten.
  const flaky = await startProviderProcess(["--rate-5xx", "0.1", "--seed", "3"]);
  try {
    const registry = createMetricsRegistry("revoke-executor");
    const { db } = stack.database;
    const project = await seedProject(db, stack.keyring, { accounts: ACCOUNTS, revokeUrl: flaky.revokeUrl });
    const executor = await startTestExecutor(
      stack,
      { retryBaseMs: 50, retryMaxMs: 500, maxAttempts: 30 },
      { registry },
    );
    const jobId = await startProjectJob(db, stack.bus, stack.namespace, project);
    await waitForJobStatus(db, jobId, "completed", 600_000);
    await executor.stop();
    log(`\n10 % provider errors: ledger ${JSON.stringify(await ledgerCounts(db, jobId))}; /metrics says:`);
    const text = await registry.metrics();
    for (const line of text.split("\n"))
      if (
        line.includes(project.authConfigId) &&
        (line.startsWith("warden_revoke_items_total") ||
          line.startsWith("warden_revoke_provider_request_seconds_count") ||
          line.startsWith("warden_revoke_in_flight")) &&
        !line.endsWith(" 0")
      )
        log(`  ${line}`);
    for (const line of text.split("\n"))
      if (line.startsWith("warden_revoke_redeliveries_total")) log(`  ${line}`);
  } finally {
    flaky.stop();
    await stack.close();
  }
}

await main();
process.exit(0);
