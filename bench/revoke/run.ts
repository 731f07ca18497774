// bench:revoke — end-to-end revoke throughput for a 100,000-account project
// against the mock provider at zero latency, printed beside the same run's raw
// ceilings: the provider driven by the fastest Node HTTP client, batched ledger
// writes alone, JetStream publish alone and consume+ack alone.
import { fromBinary } from "@bufbuild/protobuf";
import { busNames } from "@warden/bus";
import { JobEventSchema } from "@warden/proto/events/v1";
import {
  openTestStack,
  readJob,
  seedProject,
  startProjectJob,
  startTestExecutor,
} from "@warden/revoke-executor/testing";
import { nodeHttpRate, undiciRate } from "./http-ceiling.js";
import { consumeAckRate, publishRate } from "./jetstream-ceiling.js";
import { ledgerRate } from "./ledger-ceiling.js";
import { cpuShares, cpuSnapshot } from "./process-cpu.js";
import { startProviderProcess } from "./provider-process.js";

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 100_000);
const CEILING_ITEMS = Number(process.env.BENCH_CEILING_ITEMS ?? 30_000);
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
    const ledgerProject = await seedProject(db, stack.keyring, {
      accounts: CEILING_ITEMS,
      revokeUrl: provider.revokeUrl,
      orgId: project.orgId,
    });
    log(`seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

    const basic = `Basic ${Buffer.from(`${provider.clientId}:${provider.clientSecret}`).toString("base64")}`;
    const nodeHttp = await nodeHttpRate(provider.revokeUrl, CEILING_ITEMS, HTTP_CONCURRENCY, basic);
    const undici = await undiciRate(provider.revokeUrl, CEILING_ITEMS, HTTP_CONCURRENCY, basic);
    const http = Math.max(nodeHttp, undici);
    const ledger = await ledgerRate(db, ledgerProject, 500);
    const publish = await publishRate(stack.bus, stack.namespace, CEILING_ITEMS);
    const consume = await consumeAckRate(stack.bus, stack.namespace, CEILING_ITEMS);
    await provider.reset();

    const { stop } = await startTestExecutor(stack);
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
    const cpu = cpuShares(cpuBefore, cpuSnapshot(), finishedAt - started);
    await watchPlanning;
    await stop();
    const job = await readJob(db, jobId);
    const counters = await provider.counters();
    const endToEnd = job.revoked / ((finishedAt - started) / 1000);
    const planning = job.total / ((plannedAt - started) / 1000);
    const lowest = Math.min(http, ledger, publish, consume);

    log("");
    log("raw ceilings (same run):");
    log(`  provider via node:http keep-alive agent   ${fmt(nodeHttp)}`);
    log(`  provider via undici.request              ${fmt(undici)}`);
    log(`  batched ledger writes (500/txn, 2 txns)  ${fmt(ledger)}`);
    log(`  JetStream publish (pipelined, acked)     ${fmt(publish)}`);
    log(`  JetStream consume + ack                  ${fmt(consume)}`);
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
    if (cpu !== "") log(`  cpu during the run (share of one core): ${cpu}`);
    log("targets:");
    log(
      `  end-to-end / lowest ceiling = ${(endToEnd / lowest).toFixed(2)} (target ≥ 0.50) ${endToEnd >= 0.5 * lowest ? "MET" : "MISSED"}`,
    );
    log(
      `  planning / raw publish      = ${(planning / publish).toFixed(2)} (target ≥ 0.33) ${planning >= publish / 3 ? "MET" : "MISSED"}`,
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
