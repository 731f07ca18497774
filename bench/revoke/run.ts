// bench:revoke — end-to-end revoke throughput for a 100,000-account project
// against the mock provider at zero latency, printed beside the same run's raw
// ceilings: the provider driven by the fastest Node HTTP client, batched ledger
// writes alone, JetStream publish alone and consume+ack alone.
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { busNames } from "@warden/bus";
import * as currentBuild from "@warden/revoke-executor/testing";
import { openTestStack, seedProject, type SeededProject } from "@warden/revoke-executor/testing";
import { nodeHttpRate, undiciRate } from "./http-ceiling.js";
import { consumeAckRate, publishRate } from "./jetstream-ceiling.js";
import { ledgerRate } from "./ledger-ceiling.js";
import { endToEndPhase, type BuildUnderTest, type PhaseResult } from "./end-to-end-phase.js";
import { withCpuCost } from "./process-cpu.js";
import { startProviderProcess } from "./provider-process.js";

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 100_000);
const CEILING_ITEMS = Number(process.env.BENCH_CEILING_ITEMS ?? 30_000);
// Executor processes as deployed; 0 runs one executor inside this process (for BENCH_PROFILE),
// where Warden's CPU then also holds the driver's light polling.
const EXECUTOR_PROCESSES = Number(process.env.BENCH_EXECUTORS ?? 1);
// A checkout of an earlier build (its own `pnpm install` done): its executor runs the same
// end-to-end phase first, in this run, on BENCH_BASELINE_EXECUTORS processes (default 1).
const BASELINE_DIR = process.env.BENCH_BASELINE_DIR;
// pnpm runs the script in bench/: a relative BENCH_BASELINE_DIR means where it was typed.
const INVOKED_FROM = process.env.INIT_CWD ?? process.cwd();
const BASELINE_EXECUTORS = Number(process.env.BENCH_BASELINE_EXECUTORS ?? 1);
// Which build's phase runs first (baseline-first or current-first): levelDatabase evens the
// ground between them, and alternating the order across runs shows what it leaves.
const ORDER = process.env.BENCH_ORDER ?? "baseline-first";
if (ORDER !== "baseline-first" && ORDER !== "current-first")
  throw new Error(`BENCH_ORDER must be baseline-first or current-first, not ${ORDER}`);

const HTTP_CONCURRENCY = 32; // the executor's default per-auth-config bound

const fmt = (n: number) => `${Math.round(n).toLocaleString("en-US")} items/s`;
const log = (line: string) => process.stdout.write(`${line}\n`);

async function main() {
  const provider = await startProviderProcess([]);
  const stack = await openTestStack("bench_revoke");
  const { db } = stack.database;
  try {
    log(
      `bench:revoke — ${ACCOUNTS.toLocaleString("en-US")} accounts, provider at zero latency (namespace ${stack.namespace})`,
    );
    const seedStarted = performance.now();
    // Each ceiling runs twice and the second pass is reported: the first warms the JIT
    // (a cold HTTP client measured here at half its warm rate), as the long end-to-end run is.
    const firstPass = await seedProject(db, stack.keyring, {
      accounts: CEILING_ITEMS,
      revokeUrl: provider.revokeUrl,
    });
    const ledgerProjects: SeededProject[] = [
      firstPass,
      await seedProject(db, stack.keyring, {
        accounts: CEILING_ITEMS,
        revokeUrl: provider.revokeUrl,
        orgId: firstPass.orgId,
      }),
    ];
    log(`seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

    const basic = `Basic ${Buffer.from(`${provider.clientId}:${provider.clientSecret}`).toString("base64")}`;
    const warm = async (run: (pass: number) => Promise<number>) => {
      await run(0);
      return withCpuCost(CEILING_ITEMS, () => run(1));
    };
    const nodeHttp = await warm(() =>
      nodeHttpRate(provider.revokeUrl, CEILING_ITEMS, HTTP_CONCURRENCY, basic),
    );
    const undici = await warm(() => undiciRate(provider.revokeUrl, CEILING_ITEMS, HTTP_CONCURRENCY, basic));
    const http = nodeHttp.rate > undici.rate ? nodeHttp : undici;
    const ledger = await warm((pass) => ledgerRate(db, ledgerProjects[pass]!, 500));
    const publish = await warm((pass) =>
      publishRate(stack.bus, stack.namespace, CEILING_ITEMS, `pass${pass}`),
    );
    const consume = await warm((pass) =>
      consumeAckRate(stack.bus, stack.namespace, CEILING_ITEMS, `pass${pass}`),
    );
    await provider.reset();

    // Each build runs on its own namespace, seeded by its own fixtures, so the earlier build
    // finds the schema it migrates to.
    const phase = (build: BuildUnderTest, executors: number) =>
      endToEndPhase({ build, executors, accounts: ACCOUNTS, provider, nats: stack.bus.nc });
    const runBaseline = async () =>
      BASELINE_DIR === undefined
        ? undefined
        : await phase(
            {
              label: "baseline",
              testing: (await import(
                pathToFileURL(resolve(INVOKED_FROM, BASELINE_DIR, "services/revoke-executor/src/testing.ts"))
                  .href
              )) as typeof currentBuild,
            },
            Math.max(1, BASELINE_EXECUTORS),
          );
    const runCurrent = () => phase({ label: "current", testing: currentBuild }, EXECUTOR_PROCESSES);
    let baseline: PhaseResult | undefined;
    let current: PhaseResult;
    if (ORDER === "baseline-first") {
      baseline = await runBaseline();
      current = await runCurrent();
    } else {
      current = await runCurrent();
      baseline = await runBaseline();
    }
    const lowest = Math.min(http.rate, ledger.rate, publish.rate, consume.rate);
    // Every item passes through all four stages, so no pipeline of them can beat the machine's
    // cores divided by the stages' summed CPU cost per item (as each costs when run alone).
    const stagesCpuUs = http.cpuUsPerItem + ledger.cpuUsPerItem + publish.cpuUsPerItem + consume.cpuUsPerItem;
    const cpuBound = (availableParallelism() * 1e6) / stagesCpuUs;
    const cost = (c: { cpuUsPerItem: number }) => `${Math.round(c.cpuUsPerItem)} µs CPU/item`;

    log("");
    log("raw ceilings (same run, after a warm-up pass; CPU = all processes on the machine):");
    log(`  provider via node:http keep-alive agent   ${fmt(nodeHttp.rate)}  ${cost(nodeHttp)}`);
    log(`  provider via undici.request              ${fmt(undici.rate)}  ${cost(undici)}`);
    log(`  batched ledger writes (500/txn, 2 txns)  ${fmt(ledger.rate)}  ${cost(ledger)}`);
    log(`  JetStream publish (pipelined, acked)     ${fmt(publish.rate)}  ${cost(publish)}`);
    log(`  JetStream consume + ack                  ${fmt(consume.rate)}  ${cost(consume)}`);
    log(
      `  stages together: ${Math.round(stagesCpuUs)} µs CPU/item → at most ${fmt(cpuBound)} on ${availableParallelism()} cores = ${(cpuBound / lowest).toFixed(2)} × the lowest ceiling`,
    );
    if (baseline !== undefined) {
      log(
        `end to end, baseline build (${BASELINE_DIR}), ${Math.max(1, BASELINE_EXECUTORS)} executor process(es):`,
      );
      reportPhase(baseline);
    }
    log(
      `end to end, this build, ${EXECUTOR_PROCESSES > 0 ? `${EXECUTOR_PROCESSES} executor process(es)` : "executor in the driver process"}:`,
    );
    reportPhase(current);
    if (baseline !== undefined) {
      log(`against the baseline (same run, same machine, ${ORDER}):`);
      log(
        `  rate          × ${(current.rate / baseline.rate).toFixed(2)}  (target ≥ 2.00 with BENCH_EXECUTORS=2 against 1)`,
      );
      log(
        `  CPU per item  × ${(current.cpuUsPerItem.total / baseline.cpuUsPerItem.total).toFixed(2)}  (target ≤ 0.50)`,
      );
    }
    log("targets:");
    log(
      `  end-to-end / lowest ceiling = ${(current.rate / lowest).toFixed(2)} (target ≥ 0.50) ${current.rate >= 0.5 * lowest ? "MET" : "MISSED"}`,
    );
    log(
      `  planning / raw publish      = ${(current.planningRate / publish.rate).toFixed(2)} (target ≥ 0.33) ${current.planningRate >= publish.rate / 3 ? "MET" : "MISSED"}`,
    );
  } finally {
    const names = busNames(stack.namespace);
    await Promise.all(
      Object.values(names.streams).map((stream) => stack.bus.jsm.streams.delete(stream).catch(() => false)),
    );
    await stack.close();
    provider.stop();
  }
}

function reportPhase(phase: PhaseResult): void {
  const us = (n: number) => `${Math.round(n)} µs`;
  log(
    `  job ${phase.status}: ${phase.revoked}/${phase.total} revoked, ${phase.failed} failed; provider saw ${phase.revokeCalls} revoke calls`,
  );
  log(
    `  planning (scope → work items)            ${fmt(phase.planningRate)}  (${phase.planningSeconds.toFixed(1)} s)`,
  );
  log(`  end-to-end revoke                        ${fmt(phase.rate)}  (${phase.seconds.toFixed(1)} s)`);
  const c = phase.cpuUsPerItem;
  log(
    `  CPU per item: ${us(c.total)} = executors ${us(c.warden)} + PostgreSQL backends ${us(c.postgres)} + nats-server ${us(c.nats)} (provider and driver excluded)`,
  );
  // Where the machine's cores went (every process, by name): what bounds the run.
  if (phase.machineShares !== "") log(`  machine during the run (share of one core): ${phase.machineShares}`);
}

await main();
process.exit(0);
