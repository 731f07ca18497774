import type { TestProject } from "vitest/node";
import { newTestRunId, TEST_RUN_ENV } from "./namespace.js";
import { cleanupTestRun } from "./run-cleanup.js";
import { pingJetStream, pingPostgres, pingRedis } from "./service-pings.js";
import { serviceUrlsFromEnv } from "./service-urls.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** This run's id; every testNamespace() of the run starts with it. */
    wardenTestRun: string;
  }
}

/**
 * Vitest global setup: fails fast, naming each dependency that does not answer, before any test runs;
 * gives the run an id (provided as `wardenTestRun` and in WARDEN_TEST_RUN) and returns a teardown that
 * removes everything created under that id.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const urls = serviceUrlsFromEnv();
  const checks = [
    { name: "PostgreSQL", url: urls.databaseUrl, env: "DATABASE_URL", ping: pingPostgres },
    { name: "Redis", url: urls.redisUrl, env: "REDIS_URL", ping: pingRedis },
    { name: "NATS with JetStream", url: urls.natsUrl, env: "NATS_URL", ping: pingJetStream },
  ];
  const results = await Promise.allSettled(checks.map((check) => check.ping(check.url)));
  const down = checks.flatMap((check, i) => {
    const result = results[i];
    if (result?.status !== "rejected") return [];
    const reason = result.reason instanceof Error ? result.reason.message : String(result.reason);
    return [`  - ${check.name} at ${check.url} (${check.env}): ${reason}`];
  });
  if (down.length > 0) {
    throw new Error(
      `Warden's tests need PostgreSQL, Redis and NATS with JetStream, and these do not answer:\n${down.join("\n")}\n` +
        "Run deploy/local/ensure-services.sh to start them, or point the variables above at running servers.",
    );
  }

  const runId = newTestRunId();
  // Workers are forked after global setup, so they inherit the id through the environment.
  process.env[TEST_RUN_ENV] = runId;
  project.provide("wardenTestRun", runId);

  return async () => {
    const report = await cleanupTestRun(runId, urls);
    const removed = [
      `${report.schemas} schemas`,
      `${report.streams} streams`,
      `${report.redisKeys} Redis keys`,
      `${report.tempDirs} temp dirs`,
      `${report.processes} stray processes`,
    ];
    console.log(`testkit: run ${runId} cleaned up: ${removed.join(", ")}`);
    for (const error of report.errors) console.warn(`testkit: cleanup of run ${runId}: ${error}`);
  };
}
