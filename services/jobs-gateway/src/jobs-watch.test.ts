import { createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { JobsService, JobStatus, ScopeKind, type RevokeJob } from "@warden/proto/jobs/v1";
import { EXECUTOR_REDELIVERED_KEY, executorHeartbeatKey } from "@warden/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTenant,
  finishItems,
  planItems,
  publishJobEvent,
  type TestTenant,
} from "./jobs-test-fixtures.js";
import { connectClient } from "./test-clients.js";
import { startTestGateway, type TestGateway } from "./test-gateway.js";

let gateway: TestGateway;
let tenant: TestTenant;

beforeAll(async () => {
  gateway = await startTestGateway({ label: "jobswatch" });
  tenant = await createTenant(gateway, "watcher", 4);
});

afterAll(async () => {
  await gateway?.close();
});

function bearer(key: string): Interceptor[] {
  return [
    (next) => (req) => {
      req.header.set("authorization", `Bearer ${key}`);
      return next(req);
    },
  ];
}

const transports: [string, () => Transport][] = [
  [
    "Connect over HTTP/1.1 (JSON, as a browser)",
    () =>
      createConnectTransport({
        baseUrl: gateway.url,
        httpVersion: "1.1",
        interceptors: bearer(tenant.orgKey),
      }),
  ],
  [
    "gRPC-Web over HTTP/1.1",
    () =>
      createGrpcWebTransport({
        baseUrl: gateway.url,
        httpVersion: "1.1",
        interceptors: bearer(tenant.orgKey),
      }),
  ],
];

/** Plays the executor: plan 100 items, finish them in three steps, announcing each with an event. */
async function driveJob(jobId: string, seen: () => number) {
  const waitForMessages = async (n: number) => {
    const deadline = Date.now() + 30_000;
    while (seen() < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  };
  await waitForMessages(1);
  await planItems(gateway, jobId, 100, tenant.authConfigId);
  await publishJobEvent(gateway, jobId, "progress");
  await waitForMessages(2);
  await finishItems(gateway, jobId, 40, "revoked");
  await publishJobEvent(gateway, jobId, "progress");
  await waitForMessages(3);
  await finishItems(gateway, jobId, 60, "skipped");
  await publishJobEvent(gateway, jobId, "completed");
}

describe("WatchRevokeJob", () => {
  it.each(transports)("streams progress over %s and ends at completion", async (_name, transport) => {
    const accountIndex = transports.findIndex(([name]) => name === _name);
    const jobs = createClient(JobsService, transport());
    const { job } = await jobs.createRevokeJob({
      scope: { kind: ScopeKind.CONNECTED_ACCOUNT, id: tenant.accountIds[accountIndex]! },
    });
    const received: RevokeJob[] = [];
    const driving = driveJob(job!.id, () => received.length);
    for await (const message of jobs.watchRevokeJob({ jobId: job!.id }, { timeoutMs: 60_000 })) {
      received.push(message.job!);
    }
    await driving;
    expect(received[0]!.status).toBe(JobStatus.PLANNING);
    expect(received.at(-1)!.status).toBe(JobStatus.COMPLETED);
    expect(received.at(-1)!.counts).toMatchObject({ total: 100n, revoked: 40n, skipped: 60n, pending: 0n });
    // Every step the executor announced was streamed, in order, without repeats.
    const steps = received.map((j) => `${j.status}:${j.counts!.pending}:${j.counts!.revoked}`);
    expect(steps).toEqual([
      `${JobStatus.PLANNING}:0:0`,
      `${JobStatus.RUNNING}:100:0`,
      `${JobStatus.RUNNING}:60:40`,
      `${JobStatus.COMPLETED}:0:40`,
    ]);
  });

  it("a watch of a finished job sends it once and ends; a client abort ends an open watch", async () => {
    const jobs = connectClient(JobsService, gateway.url, tenant.orgKey);
    const { job } = await jobs.createRevokeJob({
      scope: { kind: ScopeKind.CONNECTED_ACCOUNT, id: tenant.accountIds[2]! },
    });
    const controller = new AbortController();
    const received: RevokeJob[] = [];
    const watching = (async () => {
      try {
        for await (const message of jobs.watchRevokeJob({ jobId: job!.id }, { signal: controller.signal })) {
          received.push(message.job!);
          controller.abort();
        }
      } catch {
        // the abort surfaces as a cancellation
      }
    })();
    await watching;
    expect(received).toHaveLength(1);

    await planItems(gateway, job!.id, 1, tenant.authConfigId);
    await finishItems(gateway, job!.id, 1, "revoked");
    const finished: RevokeJob[] = [];
    for await (const message of jobs.watchRevokeJob({ jobId: job!.id }, { timeoutMs: 30_000 }))
      finished.push(message.job!);
    expect(finished.map((j) => j.status)).toEqual([JobStatus.COMPLETED]);
  });

  it("picks up a change even when no event announces it (safety re-read)", async () => {
    const jobs = connectClient(JobsService, gateway.url, tenant.orgKey);
    const { job } = await jobs.createRevokeJob({
      scope: { kind: ScopeKind.CONNECTED_ACCOUNT, id: tenant.accountIds[3]! },
    });
    const received: RevokeJob[] = [];
    const stream = (async () => {
      for await (const message of jobs.watchRevokeJob({ jobId: job!.id }, { timeoutMs: 60_000 }))
        received.push(message.job!);
    })();
    while (received.length === 0) await new Promise((r) => setTimeout(r, 20));
    await planItems(gateway, job!.id, 3, tenant.authConfigId);
    await finishItems(gateway, job!.id, 3, "revoked");
    await stream;
    expect(received.at(-1)!.status).toBe(JobStatus.COMPLETED);
  });
});

describe("WatchRevokeJob and shutdown", () => {
  it("an open watch ends when the server drains, and close() is not held up by it", async () => {
    const second = await startTestGateway({ label: "jobswatchstop" });
    let closed = false;
    try {
      const own = await createTenant(second, "stopper", 1);
      const jobs = connectClient(JobsService, second.url, own.orgKey);
      const { job } = await jobs.createRevokeJob({ scope: { kind: ScopeKind.PROJECT, id: own.projectId } });
      const received: RevokeJob[] = [];
      const watching = (async () => {
        try {
          for await (const message of jobs.watchRevokeJob({ jobId: job!.id })) received.push(message.job!);
          return "ended";
        } catch {
          return "errored";
        }
      })();
      while (received.length === 0) await new Promise((r) => setTimeout(r, 20));
      const started = Date.now();
      await second.close();
      closed = true;
      // The drain grace is 1 s; a stream holding close() open would take until its own end.
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(["ended", "errored"]).toContain(await watching);
    } finally {
      if (!closed) await second.close();
    }
  });
});

describe("GetPoolStatus", () => {
  it("counts executors from heartbeats, pending from the caller's jobs, and shows only the caller's auth configs", async () => {
    const other = await createTenant(gateway, "neighbour", 0);
    const { redis } = gateway.deps;
    const beat = (instance: string, authConfigs: Record<string, { inFlight: number; limit: number }>) =>
      redis.set(
        executorHeartbeatKey(instance),
        JSON.stringify({ instance, inFlight: 7, redelivered: 2, authConfigs }),
        "EX",
        60,
      );
    await beat("exec-a", {
      [tenant.authConfigId]: { inFlight: 3, limit: 32 },
      [other.authConfigId]: { inFlight: 4, limit: 32 },
    });
    await beat("exec-b", { [tenant.authConfigId]: { inFlight: 1, limit: 32 } });

    const jobs = connectClient(JobsService, gateway.url, tenant.orgKey);
    const { job } = await jobs.createRevokeJob({ scope: { kind: ScopeKind.PROJECT, id: tenant.projectId } });
    await planItems(gateway, job!.id, 25, tenant.authConfigId);
    const otherJob = (
      await connectClient(JobsService, gateway.url, other.orgKey).createRevokeJob({
        scope: { kind: ScopeKind.PROJECT, id: other.projectId },
      })
    ).job!;
    await planItems(gateway, otherJob.id, 10, other.authConfigId);

    // The pool's running total (executors add to it at each heartbeat), not the heartbeats' own figures.
    await redis.set(EXECUTOR_REDELIVERED_KEY, "5");
    const status = await jobs.getPoolStatus({});
    expect(status.executors).toBe(2);
    expect(status.redelivered).toBe(5n);
    expect(status.pending).toBe(25n);
    expect(status.inFlight).toBe(4n);
    expect(status.authConfigs).toHaveLength(1);
    expect(status.authConfigs[0]).toMatchObject({
      authConfigId: tenant.authConfigId,
      pending: 25n,
      inFlight: 4n,
      concurrencyLimit: 64,
    });
    const neighbourView = await connectClient(JobsService, gateway.url, other.orgKey).getPoolStatus({});
    expect(neighbourView.pending).toBe(10n);
    expect(neighbourView.authConfigs.map((a) => a.authConfigId)).toEqual([other.authConfigId]);
    await redis.del(executorHeartbeatKey("exec-a"), executorHeartbeatKey("exec-b"));
    const afterExit = await jobs.getPoolStatus({});
    expect(afterExit.executors).toBe(0);
    expect(afterExit.redelivered).toBe(5n);
  });
});
