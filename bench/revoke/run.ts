// bench:revoke — end-to-end revoke throughput for a 100,000-account project
// against the mock provider at zero latency, printed beside the same run's raw
// ceilings: the provider driven by the fastest Node HTTP client, batched ledger
// writes alone, JetStream publish alone and consume+ack alone.
import { availableParallelism } from "node:os";
import { fromBinary } from "@bufbuild/protobuf";
import { busNames } from "@warden/bus";
import { JobEventSchema } from "@warden/proto/events/v1";
import {
  openTestStack,
  readJob,
  seedProject,
  startProjectJob,
  startTestExecutor,
  type SeededProject,
} from "@warden/revoke-executor/testing";
import { nodeHttpRate, undiciRate } from "./http-ceiling.js";
import { consumeAckRate, publishRate } from "./jetstream-ceiling.js";
import { ledgerRate } from "./ledger-ceiling.js";
import { startCpuProfile } from "./cpu-profile.js";
import { cpuShares, cpuSnapshot, totalCpuMs, withCpuCost } from "./process-cpu.js";
import { startProviderProcess } from "./provider-process.js";
import { startExecutorProcesses } from "./executor-processes.js";

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 100_000);
const CEILING_ITEMS = Number(process.env.BENCH_CEILING_ITEMS ?? 30_000);
const EXECUTOR_PROCESSES = Number(process.env.BENCH_EXECUTORS ?? 0);
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
    const project = await seedProject(db, stack.keyring, {
      accounts: ACCOUNTS,
      revokeUrl: provider.revokeUrl,
    });
    // Each ceiling runs twice and the second pass is reported: the first warms the JIT
    // (a cold HTTP client measured here at half its warm rate), as the long end-to-end run is.
    const ledgerProjects: SeededProject[] = [];
    for (let pass = 0; pass < 2; pass++)
      ledgerProjects.push(
        await seedProject(db, stack.keyring, {
          accounts: CEILING_ITEMS,
          revokeUrl: provider.revokeUrl,
          orgId: project.orgId,
        }),
      );
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

    // BENCH_EXECUTORS=N runs the end-to-end phase on N executor processes instead of one in this process.
    const { stop } =
      EXECUTOR_PROCESSES > 0
        ? await startExecutorProcesses(stack, EXECUTOR_PROCESSES)
        : await startTestExecutor(stack);
    const stopProfile = await startCpuProfile();
    const cpuBefore = cpuSnapshot();
    const started = performance.now();
    let jobId = "";
    const completed = new Promise<number>((resolve) => {
      const sub = stack.bus.nc.subscribe(busNames(stack.namespace).subjects.jobEvents(), {
        callback: (_error, msg) => {
          if (!msg.subject.endsWith(".completed") || fromBinary(JobEventSchema, msg.data).job?.id !== jobId)
            return;
          sub.unsubscribe();
          resolve(performance.now());
        },
      });
    });
    jobId = await startProjectJob(db, stack.bus, stack.namespace, project);
    let plannedAt = 0;
    const watchPlanning = (async () => {
      for (;;) {
        const job = await readJob(db, jobId);
        if (job.status !== "planning") return (plannedAt = performance.now());
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    const finishedAt = await completed;
    const cpuAfter = cpuSnapshot();
    const cpu = cpuShares(cpuBefore, cpuAfter, finishedAt - started);
    await watchPlanning;
    await stopProfile();
    await stop();
    const job = await readJob(db, jobId);
    const counters = await provider.counters();
    const endToEnd = job.revoked / ((finishedAt - started) / 1000);
    const planning = job.total / ((plannedAt - started) / 1000);
    const lowest = Math.min(http.rate, ledger.rate, publish.rate, consume.rate);
    const e2eCpuUs = (totalCpuMs(cpuBefore, cpuAfter) * 1000) / job.revoked;
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
    log("end to end:");
    log(
      `  job ${job.status}: ${job.revoked}/${job.total} revoked, ${job.failed} failed; provider saw ${counters.revokeCalls} revoke calls`,
    );
    log(
      `  planning (scope → work items)            ${fmt(planning)}  (${((plannedAt - started) / 1000).toFixed(1)} s)`,
    );
    log(
      `  end-to-end revoke                        ${fmt(endToEnd)}  (${((finishedAt - started) / 1000).toFixed(1)} s)`,
    );
    // Where the two cores went during the run (share of one core each): what bounds it.
    if (cpu !== "")
      log(`  cpu during the run (share of one core): ${cpu}; ${Math.round(e2eCpuUs)} µs CPU/item`);
    log("targets:");
    log(
      `  end-to-end / lowest ceiling = ${(endToEnd / lowest).toFixed(2)} (target ≥ 0.50) ${endToEnd >= 0.5 * lowest ? "MET" : "MISSED"}`,
    );
    log(
      `  planning / raw publish      = ${(planning / publish.rate).toFixed(2)} (target ≥ 0.33) ${planning >= publish.rate / 3 ? "MET" : "MISSED"}`,
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

await main();
process.exit(0);
