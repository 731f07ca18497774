import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { newTestRunId } from "./namespace.js";
import { connectRawNats } from "./raw-nats.js";
import { RUN_OWNER_ENV } from "./run-resources.js";
import { cleanupTestRun } from "./run-cleanup.js";
import { runCommand } from "./run-command.js";
import { serviceUrlsFromEnv } from "./service-urls.js";

const urls = serviceUrlsFromEnv();
const psql = (query: string): Promise<string> =>
  runCommand("psql", ["-d", urls.databaseUrl, "-XAtqc", query]);
const redis = (...args: string[]): Promise<string> => runCommand("redis-cli", ["-u", urls.redisUrl, ...args]);

async function createStream(name: string, subject: string): Promise<void> {
  const nats = await connectRawNats(urls.natsUrl);
  try {
    const config = { name, subjects: [subject], storage: "memory" };
    const reply = JSON.parse(await nats.request(`$JS.API.STREAM.CREATE.${name}`, JSON.stringify(config)));
    expect(reply.error).toBeUndefined();
  } finally {
    nats.close();
  }
}

async function streamNames(): Promise<string[]> {
  const nats = await connectRawNats(urls.natsUrl);
  try {
    return (
      (JSON.parse(await nats.request("$JS.API.STREAM.NAMES", "{}")) as { streams: string[] | null })
        .streams ?? []
    );
  } finally {
    nats.close();
  }
}

describe("cleanupTestRun", () => {
  // A run id of its own, so this test cleans up only what it made, never the live run's resources.
  it("removes a run's schemas, streams, buckets, keys, temp dirs and stray processes, and nothing else", async () => {
    const run = newTestRunId();
    const bystander = newTestRunId();
    await psql(
      `create schema ${run}_a; create table ${run}_a.t (v int); create schema ${run}_b; create schema ${bystander}_c`,
    );
    await createStream(`${run}_jobs`, `${run}.jobs.>`);
    await createStream(`KV_${run}_locks`, `$KV.${run}_locks.>`);
    await createStream(`${run.toUpperCase()}_EVENTS`, `${run}.events.>`);
    await createStream(`${bystander}_jobs`, `${bystander}.jobs.>`);
    await redis("set", `${run}:lock:1`, "x");
    await redis("set", `{${run}_refresh}:2`, "x");
    await redis("set", `${bystander}:keep`, "x");
    mkdirSync(join(tmpdir(), `${run}-nats-abc`));
    const stray = spawn("sleep", ["60"], { env: { ...process.env, [RUN_OWNER_ENV]: run }, stdio: "ignore" });
    const strayExit = new Promise((resolve) => stray.once("exit", (_code, signal) => resolve(signal)));

    try {
      const report = await cleanupTestRun(run, urls);
      expect(report).toEqual({ processes: 1, schemas: 2, streams: 3, redisKeys: 2, tempDirs: 1, errors: [] });
      expect(await strayExit).toBe("SIGKILL");
      expect(await psql(`select count(*) from pg_namespace where starts_with(nspname, '${run}')`)).toBe(
        "0\n",
      );
      expect((await streamNames()).filter((name) => name.toLowerCase().includes(run))).toEqual([]);
      expect(await redis("--scan", "--pattern", `*${run}*`)).toBe("");
      expect(existsSync(join(tmpdir(), `${run}-nats-abc`))).toBe(false);

      expect(await psql(`select count(*) from pg_namespace where nspname = '${bystander}_c'`)).toBe("1\n");
      expect(await streamNames()).toContain(`${bystander}_jobs`);
      expect(await redis("get", `${bystander}:keep`)).toBe("x\n");

      const again = await cleanupTestRun(run, urls);
      expect(again).toEqual({ processes: 0, schemas: 0, streams: 0, redisKeys: 0, tempDirs: 0, errors: [] });
    } finally {
      await cleanupTestRun(bystander, urls);
    }
  });

  it("refuses a run id that could match more than one run's resources", async () => {
    const report = await cleanupTestRun("", urls);
    expect(report.errors).toEqual(['refusing to clean up with run id ""']);
  });

  it("reports an unreachable server instead of throwing", async () => {
    const report = await cleanupTestRun(newTestRunId(), { ...urls, redisUrl: "redis://127.0.0.1:1" });
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatch(/^redis: /);
  });
});
