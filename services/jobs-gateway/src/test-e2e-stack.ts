// Test support (not a test): the real Warden services as child processes
// (`node --import tsx src/main.ts`, as they run in production) on one test
// namespace over the shared PostgreSQL, Redis and NATS, with every log line
// kept so end-to-end tests can search all of them for secrets.
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Keyring } from "@warden/crypto";
import { createDatabase, type DatabaseHandle } from "@warden/db";
import { freePort, startServiceProcess, testNamespace, type ServiceProcess } from "@warden/testkit";

type ServiceName = "jobs-gateway" | "revoke-executor" | "token-refresh" | "sweeper";

const entryOf = (service: ServiceName): string =>
  fileURLToPath(new URL(`../../${service}/src/main.ts`, import.meta.url));

/** A started service: its process, and the RPC base URL for the ones that serve RPCs. */
export interface RunningService {
  process: ServiceProcess;
  url: string;
  port: number;
}

/** One namespace and the service processes started on it. */
export interface E2eStack {
  namespace: string;
  urls: { database: string; redis: string; nats: string };
  /** WARDEN_ADMIN_KEY of the gateway and the sweeper. */
  adminKey: string;
  /** The raw AES key (base64) every process encrypts with: a secret the logs must never show. */
  encryptionKey: string;
  /** The same key, to open ciphertexts the services stored. */
  keyring: Keyring;
  /** A direct connection to the namespace's schema, for reading outcomes and injecting time. */
  database: DatabaseHandle;
  /** Every process started so far, in start order. */
  readonly processes: ServiceProcess[];
  /**
   * Starts the gateway and waits until it is ready; start it first, it migrates the schema.
   * Each start* keeps an RPC port given in `env` (e.g. WARDEN_SWEEPER_PORT), else picks a free one.
   */
  startGateway(env?: Record<string, string>): Promise<RunningService>;
  startExecutor(env?: Record<string, string>): Promise<RunningService>;
  startTokenRefresh(env?: Record<string, string>): Promise<RunningService>;
  startSweeper(env?: Record<string, string>): Promise<RunningService>;
  /** Every log line of every process, prefixed with its name. */
  logs(): string[];
  /** SIGTERMs every process still running and resolves with the exit codes by name. */
  stopAll(): Promise<Record<string, number | null>>;
  /** Kills what is left and closes the database connection (global teardown drops the namespace). */
  close(): Promise<void>;
}

/** Opens a fresh namespace and an empty set of processes for one test file. */
export function openE2eStack(label: string, logLevel = "debug"): E2eStack {
  const namespace = testNamespace(label);
  const urls = {
    database: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
    redis: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    nats: process.env.NATS_URL ?? "nats://127.0.0.1:4222",
  };
  const key = randomBytes(32);
  const encryptionKey = key.toString("base64");
  const adminKey = `admin-${randomBytes(18).toString("base64url")}`;
  const database = createDatabase({ url: urls.database, namespace, maxConnections: 4 });
  const processes: ServiceProcess[] = [];
  const counts = new Map<ServiceName, number>();

  const common = {
    WARDEN_NAMESPACE: namespace,
    DATABASE_URL: urls.database,
    REDIS_URL: urls.redis,
    NATS_URL: urls.nats,
    WARDEN_ENCRYPTION_KEYS: `e2e:${encryptionKey}`,
    LOG_LEVEL: logLevel,
  };

  async function start(
    service: ServiceName,
    portVariable: string | undefined,
    env: Record<string, string>,
  ): Promise<RunningService> {
    // A port the caller chose (to name it to another service before this one starts) is kept.
    const chosen = portVariable ? env[portVariable] : undefined;
    const port = portVariable ? (chosen ? Number(chosen) : await freePort()) : 0;
    const probePort = await freePort();
    const n = (counts.get(service) ?? 0) + 1;
    counts.set(service, n);
    const child = startServiceProcess({
      entry: entryOf(service),
      name: `${service}-${n}`,
      env: {
        ...common,
        WARDEN_PROBE_PORT: String(probePort),
        ...(portVariable ? { [portVariable]: String(port) } : {}),
        ...env,
      },
    });
    processes.push(child);
    // Generous: four services boot tsx on two loaded cores.
    await child.waitForReady(`http://127.0.0.1:${probePort}/readyz`, 90_000);
    return { process: child, url: `http://127.0.0.1:${port}`, port };
  }

  return {
    namespace,
    urls,
    adminKey,
    encryptionKey,
    keyring: new Keyring([{ id: "e2e", key }]),
    database,
    processes,
    startGateway: (env = {}) =>
      start("jobs-gateway", "WARDEN_GATEWAY_PORT", { WARDEN_ADMIN_KEY: adminKey, ...env }),
    startExecutor: (env = {}) => start("revoke-executor", undefined, env),
    startTokenRefresh: (env = {}) => start("token-refresh", "WARDEN_TOKENS_PORT", env),
    startSweeper: (env = {}) =>
      start("sweeper", "WARDEN_SWEEPER_PORT", { WARDEN_ADMIN_KEY: adminKey, ...env }),
    logs: () => processes.flatMap((p) => p.logs().map((line) => `[${p.name}] ${line}`)),
    async stopAll() {
      const codes = await Promise.all(processes.map((p) => p.stop(30_000)));
      return Object.fromEntries(processes.map((p, i) => [p.name, codes[i] ?? null]));
    },
    async close() {
      for (const p of processes) p.kill("SIGKILL");
      await Promise.all(processes.map((p) => p.exited));
      await database.close();
    },
  };
}

/** A secret to search for, with a label that names it without showing it. */
export interface NamedSecret {
  label: string;
  value: string;
}

const WINDOW = 12;

/**
 * Returns one finding per (secret, line) where a secret's plaintext occurs in
 * `lines`. A multi-pattern scan keyed on each secret's last characters (token
 * families share long prefixes, never suffixes), so tens of thousands of tokens
 * are checked against megabytes of logs in one pass; findings name the secret's
 * label and the line's process, never the secret.
 */
export function findSecretsInLines(lines: string[], secrets: NamedSecret[]): string[] {
  const bySuffix = new Map<string, NamedSecret[]>();
  const short: NamedSecret[] = [];
  for (const secret of secrets) {
    if (secret.value.length < WINDOW) {
      if (secret.value.length < 8) throw new Error(`secret ${secret.label} is too short to search for`);
      short.push(secret);
      continue;
    }
    const suffix = secret.value.slice(-WINDOW);
    const list = bySuffix.get(suffix);
    if (list) list.push(secret);
    else bySuffix.set(suffix, [secret]);
  }
  const findings: string[] = [];
  for (const [index, line] of lines.entries()) {
    const where = `line ${index} (${line.slice(0, line.indexOf("]") + 1)})`;
    for (const secret of short) if (line.includes(secret.value)) findings.push(`${secret.label} in ${where}`);
    for (let end = WINDOW; end <= line.length; end++) {
      const candidates = bySuffix.get(line.slice(end - WINDOW, end));
      if (!candidates) continue;
      for (const secret of candidates) {
        const start = end - secret.value.length;
        if (start >= 0 && line.startsWith(secret.value, start)) findings.push(`${secret.label} in ${where}`);
      }
    }
  }
  return findings;
}
