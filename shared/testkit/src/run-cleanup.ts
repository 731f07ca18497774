import { setTimeout as sleep } from "node:timers/promises";
import { isTestRunId } from "./namespace.js";
import { connectRawNats } from "./raw-nats.js";
import { runCommand } from "./run-command.js";
import { killRunProcesses, removeRunTempDirs } from "./run-resources.js";
import type { ServiceUrls } from "./service-urls.js";

/** What cleanupTestRun removed, and what it could not. */
export interface RunCleanupReport {
  processes: number;
  schemas: number;
  streams: number;
  redisKeys: number;
  tempDirs: number;
  errors: string[];
}

/**
 * Removes everything run `runId` left behind — its processes, Postgres schemas, JetStream streams
 * (KV and object-store buckets included), Redis keys and temp dirs — and never throws: what is
 * already gone is skipped, and what fails is reported in `errors`.
 */
export async function cleanupTestRun(runId: string, targets: ServiceUrls): Promise<RunCleanupReport> {
  const errors: string[] = [];
  // A malformed id could turn the prefix matches below into "everything".
  if (!isTestRunId(runId)) {
    errors.push(`refusing to clean up with run id ${JSON.stringify(runId)}`);
    return { processes: 0, schemas: 0, streams: 0, redisKeys: 0, tempDirs: 0, errors };
  }
  const guard = async (what: string, step: () => Promise<number>): Promise<number> => {
    try {
      return await step();
    } catch (error) {
      errors.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      return 0;
    }
  };
  // Survivors first: they may hold locks on the schemas, and their cwd is in the temp dirs.
  const processes = killRunProcesses(runId);
  if (processes > 0) await sleep(200);
  const [schemas, streams, redisKeys] = await Promise.all([
    guard("postgres", () => dropRunSchemas(runId, targets.databaseUrl)),
    guard("jetstream", () => deleteRunStreams(runId, targets.natsUrl)),
    guard("redis", () => deleteRunRedisKeys(runId, targets.redisUrl)),
  ]);
  const tempDirs = removeRunTempDirs(runId);
  return { processes, schemas, streams, redisKeys, tempDirs, errors };
}

async function dropRunSchemas(runId: string, databaseUrl: string): Promise<number> {
  // The run id is [a-z0-9] only, so it is safe inside the literal; starts_with avoids LIKE's "_" wildcard.
  const list = await runCommand("psql", [
    "-d",
    databaseUrl,
    "-XAtqc",
    `select nspname from pg_namespace where starts_with(nspname, '${runId}') order by 1`,
  ]);
  const schemas = list.split("\n").filter((name) => name !== "");
  if (schemas.length === 0) return 0;
  // Without ON_ERROR_STOP psql goes on past a failed drop; a lock timeout keeps a stuck session from hanging us.
  const script = [
    "set lock_timeout = '10s';",
    ...schemas.map((s) => `drop schema if exists "${s}" cascade;`),
  ];
  await runCommand("psql", ["-d", databaseUrl, "-Xq", "-c", script.join("\n")], { timeoutMs: 120_000 });
  return schemas.length;
}

async function deleteRunStreams(runId: string, natsUrl: string): Promise<number> {
  const connection = await connectRawNats(natsUrl);
  try {
    const names: string[] = [];
    for (let offset = 0; ;) {
      const page = JSON.parse(
        await connection.request("$JS.API.STREAM.NAMES", JSON.stringify({ offset })),
      ) as {
        streams?: string[] | null;
        total?: number;
        error?: { description?: string };
      };
      if (page.error !== undefined) throw new Error(page.error.description ?? "stream names failed");
      const streams = page.streams ?? [];
      names.push(...streams);
      offset += streams.length;
      if (streams.length === 0 || offset >= (page.total ?? 0)) break;
    }
    // Services may upper-case stream names, and KV / object-store buckets live in KV_<bucket> / OBJ_<bucket>.
    const ours = names.filter((name) => stripBucket(name).startsWith(runId));
    for (const name of ours) {
      // A stream deleted meanwhile answers with an error, which is fine: it is gone either way.
      await connection.request(`$JS.API.STREAM.DELETE.${name}`);
    }
    return ours.length;
  } finally {
    connection.close();
  }
}

function stripBucket(streamName: string): string {
  return streamName.toLowerCase().replace(/^(kv_|obj_)/, "");
}

async function deleteRunRedisKeys(runId: string, redisUrl: string): Promise<number> {
  // Anywhere in the key, not just at the start, so hash-tagged keys like "{wtab12cd_x}:lock" are found too.
  const out = await runCommand("redis-cli", [
    "-u",
    redisUrl,
    "--no-auth-warning",
    "--scan",
    "--pattern",
    `*${runId}*`,
  ]);
  const keys = out.split("\n").filter((key) => key !== "");
  for (let i = 0; i < keys.length; i += 500) {
    await runCommand("redis-cli", ["-u", redisUrl, "--no-auth-warning", "unlink", ...keys.slice(i, i + 500)]);
  }
  return keys.length;
}
