import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Code, ConnectError } from "@connectrpc/connect";
import { createAuthenticator } from "@warden/auth";
import { SweeperService } from "@warden/proto/sweeper/v1";
import { createHealthReporter, type RpcServer } from "@warden/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_RETRY_POLICY } from "../retry-policy.js";
import { createScheduler, type Scheduler } from "../scheduler/scheduler.js";
import { createTaskMetrics } from "../scheduler/task-metrics.js";
import { buildServer } from "../server.js";
import { openTestInfrastructure, type TestInfrastructure } from "../test-infrastructure.js";

const ADMIN_KEY = "admin-key-for-sweeper-tests";
let infra: TestInfrastructure;
let scheduler: Scheduler;
let server: RpcServer;
let url: string;
let runs = 0;

const client = (key?: string) =>
  createClient(
    SweeperService,
    createConnectTransport({
      baseUrl: url,
      httpVersion: "1.1",
      interceptors: [(next) => (req) => (key && req.header.set("authorization", `Bearer ${key}`), next(req))],
    }),
  );

beforeAll(async () => {
  infra = await openTestInfrastructure("svc");
  scheduler = createScheduler({
    db: infra.database.db,
    redis: infra.redis,
    logger: infra.logger,
    metrics: createTaskMetrics(),
    tasks: [{ name: "noop", intervalMs: 3_600_000, run: async () => void runs++ }],
    instanceId: "replica-x",
    leaseTtlMs: 5_000,
    retryPolicy: DEFAULT_RETRY_POLICY,
  });
  server = buildServer({
    db: infra.database.db,
    redis: infra.redis,
    scheduler,
    logger: infra.logger,
    health: createHealthReporter(),
    authenticate: createAuthenticator({ db: infra.database.db, adminKey: ADMIN_KEY }),
  });
  url = `http://127.0.0.1:${await server.listen(0, "127.0.0.1")}`;
});
afterAll(async () => {
  await server?.close(1_000);
  await scheduler?.stop();
  await infra?.close();
});

describe("SweeperService", () => {
  it("runs a task now and lists its interval, last run and outcome", async () => {
    const { task } = await client(ADMIN_KEY).runTask({ name: "noop" });
    expect(runs).toBe(1);
    expect(task).toMatchObject({ name: "noop", lastOutcome: "success" });
    const { tasks } = await client(ADMIN_KEY).listTasks({});
    expect(tasks).toHaveLength(1);
    expect(Number(tasks[0]!.interval!.seconds)).toBe(3_600);
    expect(tasks[0]!.lastRun).toBeDefined();
  });

  it("refuses callers without the operator key and unknown tasks", async () => {
    await expect(client().listTasks({})).rejects.toMatchObject({ code: Code.Unauthenticated });
    await expect(client("not-a-key").runTask({ name: "noop" })).rejects.toMatchObject({
      code: Code.Unauthenticated,
    });
    const error = await client(ADMIN_KEY)
      .runTask({ name: "nope" })
      .catch((e: unknown) => e);
    expect(ConnectError.from(error).code).toBe(Code.NotFound);
  });
});
