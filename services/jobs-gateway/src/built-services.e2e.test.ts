// The production build, as an image runs it: each RPC service compiled by
// `pnpm build` (deploy/build/build-services.mjs), copied alone into a temporary
// directory with no node_modules anywhere above it, and started with plain
// `node --enable-source-maps dist/main.js`. Its probes answer, and
// grpc.health.v1 answers SERVING for "" and for every service its port serves.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "@warden/proto/health/v1";
import { freePort, testNamespace, waitFor } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SERVICES = {
  "jobs-gateway": {
    portVariable: "WARDEN_GATEWAY_PORT",
    serves: [
      "warden.admin.v1.AdminService",
      "warden.accounts.v1.AccountsService",
      "warden.jobs.v1.JobsService",
      "warden.leases.v1.LeasesService",
      // Forwarded to the sweeper, for the dashboard.
      "warden.sweeper.v1.SweeperService",
    ],
  },
  "token-refresh": { portVariable: "WARDEN_TOKENS_PORT", serves: ["warden.tokens.v1.TokensService"] },
  sweeper: { portVariable: "WARDEN_SWEEPER_PORT", serves: ["warden.sweeper.v1.SweeperService"] },
} as const;
type Service = keyof typeof SERVICES;

interface Started {
  child: ChildProcess;
  output: string[];
  rpcPort: number;
  probePort: number;
}

let outdir: string;
const started = new Map<Service, Started>();

beforeAll(async () => {
  outdir = await mkdtemp(join(tmpdir(), "warden-built-"));
  await promisify(execFile)(
    process.execPath,
    ["deploy/build/build-services.mjs", "--outdir", outdir, ...Object.keys(SERVICES)],
    { cwd: ROOT },
  );
  await cp(join(ROOT, "services/jobs-gateway/dashboard/dist"), join(outdir, "jobs-gateway/dashboard/dist"), {
    recursive: true,
  });
  const namespace = testNamespace("built");
  const key = randomBytes(32).toString("base64");
  // The gateway first: it migrates the schema the others use.
  for (const service of Object.keys(SERVICES) as Service[]) {
    const [rpcPort, probePort] = [await freePort(), await freePort()];
    const output: string[] = [];
    const child = spawn(process.execPath, ["--enable-source-maps", "dist/main.js"], {
      cwd: join(outdir, service),
      env: {
        PATH: process.env.PATH,
        WARDEN_NAMESPACE: namespace,
        DATABASE_URL: process.env.DATABASE_URL,
        REDIS_URL: process.env.REDIS_URL,
        NATS_URL: process.env.NATS_URL,
        WARDEN_ENCRYPTION_KEYS: `k1:${key}`,
        WARDEN_ADMIN_KEY: `admin-${randomBytes(12).toString("hex")}`,
        [SERVICES[service].portVariable]: String(rpcPort),
        WARDEN_PROBE_PORT: String(probePort),
        WARDEN_DB_POOL_SIZE: "3",
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (chunk: Buffer) => output.push(String(chunk)));
    child.stderr!.on("data", (chunk: Buffer) => output.push(String(chunk)));
    started.set(service, { child, output, rpcPort, probePort });
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${probePort}/readyz`).catch(() => undefined))?.ok,
      { message: `built ${service} to be ready (output: ${output.join("")})`, timeoutMs: 60_000 },
    );
  }
}, 240_000);

afterAll(async () => {
  for (const { child } of started.values()) if (child.exitCode === null) child.kill("SIGKILL");
  if (outdir) await rm(outdir, { recursive: true, force: true });
});

describe("the built services", { timeout: 60_000 }, () => {
  it.each(Object.keys(SERVICES) as Service[])(
    "%s runs from its bundle alone and answers grpc.health.v1 SERVING for every service it serves",
    async (service) => {
      const { rpcPort, probePort } = started.get(service)!;
      expect((await fetch(`http://127.0.0.1:${probePort}/healthz`)).status).toBe(200);
      expect(await (await fetch(`http://127.0.0.1:${probePort}/metrics`)).text()).toContain(
        `service="${service}"`,
      );
      const health = createClient(Health, createGrpcTransport({ baseUrl: `http://127.0.0.1:${rpcPort}` }));
      for (const name of ["", "grpc.health.v1.Health", ...SERVICES[service].serves])
        expect((await health.check({ service: name })).status, name).toBe(ServingStatus.SERVING);
    },
  );

  it("each stops cleanly on SIGTERM", async () => {
    const exits = await Promise.all(
      [...started.entries()].reverse().map(async ([service, { child }]) => {
        const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
        child.kill("SIGTERM");
        return [service, await exited] as const;
      }),
    );
    expect(Object.fromEntries(exits)).toEqual({ "jobs-gateway": 0, "token-refresh": 0, sweeper: 0 });
  });
});
