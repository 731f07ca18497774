import { fileURLToPath } from "node:url";
import { Code, ConnectError } from "@connectrpc/connect";
import { AdminService } from "@warden/proto/admin/v1";
import { JobsService } from "@warden/proto/jobs/v1";
import {
  freePort,
  startPrivateNats,
  startPrivatePostgres,
  startPrivateRedis,
  startServiceProcess,
  testNamespace,
  waitFor,
  type PrivateServer,
  type ServiceProcess,
} from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient } from "./test-clients.js";

// The gateway runs as a real process on private PostgreSQL, Redis and NATS
// servers that this file owns, so it can stop them without touching the
// shared ones.

const ADMIN_KEY = "readiness-admin-key-0123456789";
let postgres: PrivateServer;
let redis: PrivateServer;
let nats: PrivateServer;
let gateway: ServiceProcess;
let rpcUrl: string;
let readyUrl: string;
let jobsKey: string;

beforeAll(async () => {
  [postgres, redis, nats] = await Promise.all([
    startPrivatePostgres(),
    startPrivateRedis(),
    startPrivateNats(),
  ]);
  const [rpcPort, probePort] = [await freePort(), await freePort()];
  rpcUrl = `http://127.0.0.1:${rpcPort}`;
  readyUrl = `http://127.0.0.1:${probePort}/readyz`;
  gateway = startServiceProcess({
    name: "jobs-gateway",
    entry: fileURLToPath(new URL("./main.ts", import.meta.url)),
    env: {
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      NATS_URL: nats.url,
      WARDEN_NAMESPACE: testNamespace("ready"),
      WARDEN_ADMIN_KEY: ADMIN_KEY,
      WARDEN_GATEWAY_PORT: String(rpcPort),
      WARDEN_PROBE_PORT: String(probePort),
      LOG_LEVEL: "info",
    },
  });
  await gateway.waitForReady(readyUrl, 60_000);
  const admin = connectClient(AdminService, rpcUrl, ADMIN_KEY);
  const { org } = await admin.createOrg({ name: "readiness" });
  jobsKey = (await admin.createApiKey({ orgId: org!.id, scopes: ["jobs:read"] })).apiKey;
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([postgres?.dispose(), redis?.dispose(), nats?.dispose()]);
});

async function readiness(): Promise<{ status: number; body: { checks?: Record<string, string> } }> {
  const response = await fetch(readyUrl);
  return { status: response.status, body: (await response.json()) as { checks?: Record<string, string> } };
}

describe("/readyz and fail-closed RPCs", () => {
  it.each([
    ["postgres", () => postgres],
    ["redis", () => redis],
    ["nats", () => nats],
  ] as const)("turns unready while %s is stopped and ready again when it returns", async (name, server) => {
    expect((await readiness()).status).toBe(200);
    await server().stop();
    await waitFor(async () => (await readiness()).status === 503, {
      timeoutMs: 20_000,
      message: `readyz to report ${name} down`,
    });
    expect((await readiness()).body.checks?.[name]).not.toBe("ok");

    if (name === "redis") {
      // Pool status reads executor heartbeats from Redis: it fails UNAVAILABLE, promptly.
      const jobs = connectClient(JobsService, rpcUrl, jobsKey);
      const started = Date.now();
      const error = await jobs.getPoolStatus({}).then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
      expect(error?.code).toBe(Code.Unavailable);
      expect(Date.now() - started).toBeLessThan(10_000);
    }

    if (name === "postgres") {
      // A call that needs the database fails UNAVAILABLE, promptly, and writes nothing.
      const admin = connectClient(AdminService, rpcUrl, ADMIN_KEY);
      const started = Date.now();
      const error = await admin.createOrg({ name: "during-outage" }).then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
      expect(error?.code).toBe(Code.Unavailable);
      expect(Date.now() - started).toBeLessThan(10_000);
    }

    await server().start();
    await waitFor(async () => (await readiness()).status === 200, {
      timeoutMs: 30_000,
      message: `readyz to recover after ${name} returns`,
    });
    if (name === "postgres") {
      const admin = connectClient(AdminService, rpcUrl, ADMIN_KEY);
      await waitFor(
        async () =>
          admin.createOrg({ name: "after" }).then(
            () => true,
            () => false,
          ),
        { timeoutMs: 20_000, message: "RPCs to work again" },
      );
      const orgs = await admin.createOrg({ name: "check" });
      expect(orgs.org?.id).toMatch(/^org_/);
    }
  });

  it("shuts down cleanly on SIGTERM", async () => {
    expect(await gateway.stop()).toBe(0);
    expect(gateway.logs().join("\n")).not.toContain(ADMIN_KEY);
  });
});
