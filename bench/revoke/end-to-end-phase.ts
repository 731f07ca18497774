// One end-to-end revoke run of one build: its own namespace, seeded by its own
// fixtures, its executors as processes, timed from the plan message to the job's
// `completed` event, with the CPU of Warden's own processes over that span.
import { fromBinary } from "@bufbuild/protobuf";
import { busNames } from "@warden/bus";
import { createDatabase } from "@warden/db";
import { JobEventSchema } from "@warden/proto/events/v1";
import type * as RevokeTesting from "@warden/revoke-executor/testing";
import { readJob } from "@warden/revoke-executor/testing";
import type { ServiceProcess } from "@warden/testkit";
import type { NatsConnection } from "nats";
import { startCpuProfile } from "./cpu-profile.js";
import { levelDatabase } from "./level-database.js";
import { cpuShares, cpuSnapshot } from "./process-cpu.js";
import type { ProviderProcess } from "./provider-process.js";
import { natsServerPid, startWardenCpuMeter, type CpuGroup } from "./warden-cpu.js";

/** A build whose executor is measured: this checkout's, or an earlier one's testing entry. */
export interface BuildUnderTest {
  label: string;
  testing: typeof RevokeTesting;
}

export interface PhaseResult {
  status: string;
  revoked: number;
  total: number;
  failed: number;
  revokeCalls: number;
  rate: number;
  seconds: number;
  planningRate: number;
  planningSeconds: number;
  /** Every process on the machine by name, busiest first: what bounded the run. */
  machineShares: string;
  cpuUsPerItem: Record<CpuGroup | "total", number>;
}

// The driver polls the job through a pool of its own under this name, so that
// pg_stat_activity tells its backends from the executors' (`warden:<namespace>`).
const DRIVER_APPLICATION_NAME = "warden-bench-driver";

export async function endToEndPhase(options: {
  build: BuildUnderTest;
  /** Executor processes; 0 runs one executor inside this process (this build only, for BENCH_PROFILE). */
  executors: number;
  accounts: number;
  provider: ProviderProcess;
  /** The driver's NATS connection, on which it waits for the job's `completed` event. */
  nats: NatsConnection;
}): Promise<PhaseResult> {
  const { build, provider } = options;
  // No outbox relay in the driver: the executors' own relays publish, as deployed. (An earlier
  // build whose openTestStack takes no such option has no relay to turn off.) An executor run
  // inside this process (executors = 0) has no main.ts and so no relay of its own: the stack's
  // relay publishes for it, or the job's `completed` event would never arrive.
  const stack = await build.testing.openTestStack(
    `bench_${build.label}`,
    {},
    { relay: options.executors === 0 },
  );
  const driverDb = createDatabase({
    url: stack.urls.database,
    namespace: stack.namespace,
    applicationName: DRIVER_APPLICATION_NAME,
    maxConnections: 2,
  });
  try {
    const project = await build.testing.seedProject(stack.database.db, stack.keyring, {
      accounts: options.accounts,
      revokeUrl: provider.revokeUrl,
    });
    await provider.reset();
    await levelDatabase(driverDb.db);
    const executors = await startExecutors(stack, build, options.executors);
    const stopProfile = await startCpuProfile();
    // The stack's own pool is `warden:<namespace>` too: it stays idle through the phase but for
    // the one insert that starts the job.
    const meter = startWardenCpuMeter({
      db: driverDb.db,
      applicationName: `warden:${stack.namespace}`,
      executorPids: executors.pids,
      natsPid: natsServerPid(Number(new URL(stack.urls.nats.split(",")[0]!).port || 4222)),
    });
    const machineBefore = cpuSnapshot();
    const started = performance.now();
    let jobId = "";
    const completed = new Promise<number>((resolve) => {
      const sub = options.nats.subscribe(busNames(stack.namespace).subjects.jobEvents(), {
        callback: (_error, msg) => {
          if (!msg.subject.endsWith(".completed") || fromBinary(JobEventSchema, msg.data).job?.id !== jobId)
            return;
          sub.unsubscribe();
          resolve(performance.now());
        },
      });
    });
    await options.nats.flush();
    jobId = await build.testing.startProjectJob(stack.database.db, stack.bus, stack.namespace, project);
    let plannedAt = 0;
    const watchPlanning = (async () => {
      for (;;) {
        const job = await readJob(driverDb.db, jobId);
        if (job.status !== "planning") return (plannedAt = performance.now());
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    const finishedAt = await completed;
    const cpuMs = await meter.stop();
    const machineShares = cpuShares(machineBefore, cpuSnapshot(), finishedAt - started);
    await watchPlanning;
    await stopProfile();
    await executors.stop();
    const job = await readJob(driverDb.db, jobId);
    const counters = await provider.counters();
    const perItem = (ms: number) => (ms * 1000) / job.revoked;
    return {
      status: job.status,
      revoked: job.revoked,
      total: job.total,
      failed: job.failed,
      revokeCalls: counters.revokeCalls,
      rate: job.revoked / ((finishedAt - started) / 1000),
      seconds: (finishedAt - started) / 1000,
      planningRate: job.total / ((plannedAt - started) / 1000),
      planningSeconds: (plannedAt - started) / 1000,
      machineShares,
      cpuUsPerItem: {
        warden: perItem(cpuMs.warden),
        postgres: perItem(cpuMs.postgres),
        nats: perItem(cpuMs.nats),
        total: perItem(cpuMs.warden + cpuMs.postgres + cpuMs.nats),
      },
    };
  } finally {
    await driverDb.close();
    const names = busNames(stack.namespace);
    await Promise.all(
      Object.values(names.streams).map((stream) => stack.bus.jsm.streams.delete(stream).catch(() => false)),
    );
    await stack.close();
  }
}

async function startExecutors(
  stack: RevokeTesting.TestStack,
  build: BuildUnderTest,
  count: number,
): Promise<{ pids: number[]; stop: () => Promise<void> }> {
  if (count === 0) {
    const inProcess = await build.testing.startTestExecutor(stack);
    return { pids: [process.pid], stop: inProcess.stop };
  }
  const processes: ServiceProcess[] = [];
  for (let i = 1; i <= count; i++)
    processes.push(
      await build.testing.startExecutorProcess(stack, { name: `revoke-executor-${i}`, logLevel: "warn" }),
    );
  return {
    pids: processes.map((p) => p.pid),
    stop: async () => void (await Promise.all(processes.map((p) => p.stop()))),
  };
}
