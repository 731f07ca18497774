import { chown, mkdir } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { findBinary } from "./find-binary.js";
import { launchPrivateServer, type PrivateServer } from "./private-server.js";
import { runOwnedEnv } from "./run-resources.js";
import { runCommand } from "./run-command.js";
import { pingJetStream, pingNats, pingPostgres, pingRedis } from "./service-pings.js";

// For tests that stop, kill or restart a server: the shared servers on the default ports are never touched.

/** Options for startPrivateNats. */
export interface PrivateNatsOptions {
  /** Enable JetStream with a store in the server's temp dir (default true). */
  jetstream?: boolean;
}

/** Starts a NATS server of this test's own on a free port (JetStream on by default) and resolves once it answers. */
export function startPrivateNats({ jetstream = true }: PrivateNatsOptions = {}): Promise<PrivateServer> {
  const file = findBinary("nats-server");
  return launchPrivateServer({
    name: "nats",
    command: (port, dir) => ({
      file,
      args: [
        ...["-a", "127.0.0.1", "-p", String(port)],
        // A stable server name keeps the JetStream store valid across restarts.
        ...["-n", `testkit_${port}`],
        ...(jetstream ? ["-js", "-sd", join(dir, "jetstream")] : []),
      ],
    }),
    url: (port) => `nats://127.0.0.1:${port}`,
    ping: jetstream ? pingJetStream : pingNats,
  });
}

/** Starts a Redis server of this test's own on a free port, keeping nothing on disk, and resolves once it answers. */
export function startPrivateRedis(): Promise<PrivateServer> {
  const file = findBinary("redis-server");
  return launchPrivateServer({
    name: "redis",
    command: (port, dir) => ({
      file,
      args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
    }),
    url: (port) => `redis://127.0.0.1:${port}`,
    ping: pingRedis,
  });
}

/**
 * Starts a PostgreSQL cluster of this test's own (initdb, trust auth, user postgres) on a free port and
 * resolves once it runs queries. As root it runs as the `postgres` OS user, since PostgreSQL refuses root.
 */
export function startPrivatePostgres(): Promise<PrivateServer> {
  const postgres = findBinary("postgres");
  // initdb must match the server's major version, so take it from the same directory.
  const initdb = join(dirname(postgres), "initdb");
  const owner = postgresOwner();
  return launchPrivateServer({
    name: "postgres",
    async prepare(dir) {
      const data = join(dir, "data");
      if (owner !== undefined) await chown(dir, owner.uid, owner.gid);
      await mkdir(data, { mode: 0o700 });
      if (owner !== undefined) await chown(data, owner.uid, owner.gid);
      const env = runOwnedEnv({ ...process.env, LC_ALL: "C" });
      await runCommand(
        initdb,
        ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"],
        {
          env,
          cwd: dir,
          timeoutMs: 60_000,
          ...(owner === undefined ? {} : { uid: owner.uid, gid: owner.gid }),
        },
      );
    },
    command: (port, dir) => ({
      file: postgres,
      args: [
        ...["-D", join(dir, "data"), "-p", String(port), "-k", dir],
        ...["-c", "listen_addresses=127.0.0.1"],
        // Only an OS crash loses unsynced writes; a killed postgres still recovers from the page cache,
        // so crash tests stay honest while runs stay fast on small machines.
        ...["-c", "fsync=off"],
      ],
      ...(owner ?? {}),
    }),
    url: (port) => `postgres://postgres@127.0.0.1:${port}/postgres`,
    ping: (url) => pingPostgres(url, 2_000),
    stopSignal: "SIGINT",
    startTimeoutMs: 60_000,
  });
}

/** The uid/gid to run PostgreSQL as: `postgres` when we are root, ourselves otherwise. */
function postgresOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const entry = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .map((line) => line.split(":"))
    .find((fields) => fields[0] === "postgres");
  if (entry === undefined)
    throw new Error("running as root but there is no postgres OS user: run deploy/local/setup.sh");
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}
