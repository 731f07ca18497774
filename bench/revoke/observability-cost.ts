// bench:revoke:observability — what metrics and tracing cost the revoke hot path.
// Runs the same job (BENCH_ACCOUNTS accounts, default 20,000; provider at zero
// latency) on an in-process executor, alternately without metrics and with
// tracing off ("bare"), and with the probe registry's metrics plus a recording
// tracer whose spans go nowhere ("observed": sampled and ended, exporter off),
// ROUNDS times each, interleaved so a drifting machine load hits both alike.
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
import { startProviderProcess, type ProviderProcess } from "./provider-process.js";

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const log = (line: string) => process.stdout.write(`${line}\n`);

async function runJob(stack: TestStack, provider: ProviderProcess, registry?: Registry): Promise<number> {
  const { db } = stack.database;
  const project = await seedProject(db, stack.keyring, { accounts: ACCOUNTS, revokeUrl: provider.revokeUrl });
  const executor = await startTestExecutor(
    stack,
    { retryBaseMs: 50, retryMaxMs: 500, maxAttempts: 30 },
    registry ? { registry } : {},
  );
  const started = performance.now();
  const jobId = await startProjectJob(db, stack.bus, stack.namespace, project);
  await waitForJobStatus(db, jobId, "completed", 600_000);
  const seconds = (performance.now() - started) / 1000;
  await executor.stop();
  const job = await readJob(db, jobId);
  return job.revoked / seconds;
}

async function main() {
  const provider = await startProviderProcess([]);
  const stack = await openTestStack("bench_obs");
  try {
    log(
      `bench:revoke:observability — ${ACCOUNTS.toLocaleString("en-US")} accounts per job, ${ROUNDS} rounds`,
    );
    // Each variant once per round, interleaved so a drifting machine load hits all alike.
    const variants = {
      bare: { metrics: false, tracing: false },
      metrics: { metrics: true, tracing: false },
      tracing: { metrics: false, tracing: true },
      observed: { metrics: true, tracing: true },
    };
    const rates: Record<keyof typeof variants, number[]> = {
      bare: [],
      metrics: [],
      tracing: [],
      observed: [],
    };
    // A warm-up job (JIT, pools), not counted.
    await runJob(stack, provider);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, variant] of Object.entries(variants) as Array<
        [keyof typeof variants, { metrics: boolean; tracing: boolean }]
      >) {
        const tracing = variant.tracing
          ? // As main.ts starts it: no active context (the executor carries trace context by hand).
            startTelemetry({
              service: "revoke-executor",
              env: {},
              processors: [new NoopSpanProcessor()],
              activeContext: false,
            })
          : undefined;
        const registry = variant.metrics ? createMetricsRegistry("revoke-executor") : undefined;
        rates[name].push(await runJob(stack, provider, registry));
        await tracing?.shutdown();
      }
      log(
        `  round ${round + 1}: ${Object.entries(rates)
          .map(([name, xs]) => `${name} ${Math.round(xs[round]!)}`)
          .join(", ")} items/s`,
      );
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const bare = median(rates.bare);
    const change = (xs: number[]) => `${(((median(xs) - bare) / bare) * 100).toFixed(1)} %`;
    log(
      `median: bare ${Math.round(bare)} items/s; metrics only ${change(rates.metrics)}, ` +
        `tracing only ${change(rates.tracing)}, metrics + tracing ${Math.round(median(rates.observed))} items/s → ${change(rates.observed)}`,
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
