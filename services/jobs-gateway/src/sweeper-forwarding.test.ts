// SweeperService through the gateway (what the dashboard's Sweeper page calls):
// forwarded to a real sweeper process, refused for anyone but the operator
// before anything is forwarded, audited on the gateway, and UNAVAILABLE once
// the sweeper is gone.
import { createServer, type Socket } from "node:net";
import { isDeepStrictEqual } from "node:util";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { AdminService } from "@warden/proto/admin/v1";
import { SweeperService } from "@warden/proto/sweeper/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, grpcCaller } from "./test-clients.js";
import type { E2eStack, RunningService } from "./test-e2e-stack.js";
import { startTestGateway } from "./test-gateway.js";
import { startGatewayWithSweeper, SWEEPER_INTERVAL_SECONDS, SWEEPER_TASKS } from "./test-sweeper-stack.js";

const RUN_TASK = "warden.sweeper.v1.SweeperService/RunTask";

let stack: E2eStack;
let gateway: RunningService;
let sweeper: RunningService;

beforeAll(async () => {
  ({ stack, gateway, sweeper } = await startGatewayWithSweeper("sweepfwd"));
}, 240_000);

afterAll(async () => {
  await stack?.close();
});

async function rejection(call: Promise<unknown>): Promise<ConnectError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the call should have failed").toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

function auditRows(outcome: string) {
  return stack.database.db
    .selectFrom("audit_events")
    .select(["actor_kind", "outcome", "reason"])
    .where("action", "=", RUN_TASK)
    .where("outcome", "=", outcome)
    .execute();
}

/** The sweeper's own log lines for SweeperService calls, as `Method code`. */
function sweeperCalls(): string[] {
  return sweeper.process.logs().flatMap((line) => {
    if (!line.includes('"msg":"rpc"') || !line.includes("warden.sweeper.v1.SweeperService")) return [];
    const { method, code } = JSON.parse(line) as { method: string; code: string };
    return [`${method} ${code}`];
  });
}

describe("SweeperService on the gateway", () => {
  it("forwards ListTasks to the sweeper: the same tasks, intervals and last runs as asking it directly", async () => {
    const direct = await connectClient(SweeperService, sweeper.url, stack.adminKey).listTasks({});
    const forwarded = await connectClient(SweeperService, gateway.url, stack.adminKey).listTasks({});
    expect(forwarded.tasks.map((t) => t.name)).toEqual(SWEEPER_TASKS);
    const interval = BigInt(SWEEPER_INTERVAL_SECONDS);
    expect(forwarded.tasks.map((t) => t.interval?.seconds)).toEqual([interval, interval]);
    expect(isDeepStrictEqual(forwarded.tasks, direct.tasks)).toBe(true);
  });

  it("forwards RunTask over Connect and gRPC alike: the task runs on the sweeper and its last run moves", async () => {
    const before = await connectClient(SweeperService, sweeper.url, stack.adminKey).listTasks({});
    const previous = before.tasks.find((t) => t.name === "leases-expiry")?.lastRun;
    const startedAt = Date.now();

    const { task } = await connectClient(SweeperService, gateway.url, stack.adminKey).runTask({
      name: "leases-expiry",
    });
    expect(task?.name).toBe("leases-expiry");
    expect(task?.lastOutcome).toBe("success");
    const lastRun = timestampDate(task!.lastRun!);
    // Second resolution on both machines' one clock: the run started after this call did.
    expect(lastRun.getTime()).toBeGreaterThanOrEqual(startedAt - 1000);
    if (previous) expect(lastRun.getTime()).toBeGreaterThan(timestampDate(previous).getTime());
    const after = await connectClient(SweeperService, sweeper.url, stack.adminKey).listTasks({});
    expect(after.tasks.find((t) => t.name === "leases-expiry")?.lastRun).toEqual(task!.lastRun);

    const grpc = grpcCaller("warden.sweeper.v1.SweeperService", gateway.port, stack.adminKey);
    try {
      const viaGrpc = (await grpc.call("RunTask", { name: "ledger-retention" })) as {
        task: { last_outcome: string };
      };
      expect(viaGrpc.task.last_outcome).toBe("success");
    } finally {
      grpc.client.close();
    }
  });

  it("passes the sweeper's own verdict on a request through: an unknown task is NOT_FOUND", async () => {
    const error = await rejection(
      connectClient(SweeperService, gateway.url, stack.adminKey).runTask({ name: "no-such-task" }),
    );
    expect(error.code).toBe(Code.NotFound);
    expect(error.rawMessage).toBe("task no-such-task not found");
    const empty = await rejection(connectClient(SweeperService, gateway.url, stack.adminKey).runTask({}));
    expect(empty.code).toBe(Code.InvalidArgument);
  });

  it("audits a forwarded RunTask on the gateway, as it audits AdminService calls (and the sweeper records it too)", async () => {
    const okBefore = (await auditRows("ok")).length;
    await connectClient(SweeperService, gateway.url, stack.adminKey).runTask({ name: "leases-expiry" });
    // Both rows are written before either service answers: one where the operator
    // called (the gateway), one where the task ran (the sweeper).
    const rows = await auditRows("ok");
    expect(rows.length - okBefore).toBe(2);
    expect(rows.every((row) => row.actor_kind === "operator")).toBe(true);
  });

  it("refuses a tenant's API key with PERMISSION_DENIED itself, forwarding nothing to the sweeper", async () => {
    const admin = connectClient(AdminService, gateway.url, stack.adminKey);
    const orgId = (await admin.createOrg({ name: "tenant" })).org!.id;
    const { apiKey } = await admin.createApiKey({ orgId, scopes: ["jobs:read", "jobs:write"] });
    const tenant = connectClient(SweeperService, gateway.url, apiKey);

    for (const call of [tenant.listTasks({}), tenant.runTask({ name: "leases-expiry" })]) {
      const error = await rejection(call);
      expect(error.code).toBe(Code.PermissionDenied);
      expect(error.rawMessage).toBe("only the operator key (WARDEN_ADMIN_KEY) may call SweeperService");
    }
    // The refusal is audited (in the background) by the gateway, and only there.
    await expect.poll(async () => (await auditRows("permission_denied")).length, { timeout: 15_000 }).toBe(1);
    const [denied] = await auditRows("permission_denied");
    expect(denied?.actor_kind).toBe("api_key");

    // A call the sweeper does log, after the refused ones: once it shows, nothing refused came before it.
    const seen = sweeperCalls().length;
    await connectClient(SweeperService, gateway.url, stack.adminKey).listTasks({});
    await expect.poll(() => sweeperCalls().length, { timeout: 15_000 }).toBeGreaterThan(seen);
    expect(sweeperCalls().filter((call) => call.includes("permission_denied"))).toEqual([]);
  });

  it("answers UNAVAILABLE, naming the sweeper, once the sweeper's port is closed; the rest of the gateway still works", async () => {
    expect(await sweeper.process.stop(30_000)).toBe(0);
    const operator = connectClient(SweeperService, gateway.url, stack.adminKey);
    for (const call of [operator.listTasks({}), operator.runTask({ name: "leases-expiry" })]) {
      const error = await rejection(call);
      expect(error.code).toBe(Code.Unavailable);
      expect(error.rawMessage).toMatch(
        new RegExp(
          `^the sweeper at 127\\.0\\.0\\.1:${sweeper.port} is unavailable \\(UNAVAILABLE: .*ECONNREFUSED.*\\); try again later$`,
        ),
      );
    }
    // Audited with the status the operator got.
    expect((await auditRows("unavailable")).length).toBe(1);
    const org = await connectClient(AdminService, gateway.url, stack.adminKey).createOrg({
      name: "still-up",
    });
    expect(org.org?.name).toBe("still-up");
    expect(gateway.process.logs().filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
  });
});

describe("SweeperService on a gateway whose sweeper accepts connections and never answers", () => {
  it("gives up after ListTasks' 10 s deadline with UNAVAILABLE, instead of hanging the caller", async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as { port: number };
    const hung = await startTestGateway({
      label: "sweephung",
      extend: () => ({ sweeperUrl: `http://127.0.0.1:${port}` }),
    });
    try {
      const started = Date.now();
      const error = await rejection(connectClient(SweeperService, hung.url, hung.adminKey).listTasks({}));
      expect(error.code).toBe(Code.Unavailable);
      expect(error.rawMessage).toMatch(
        /^the sweeper at 127\.0\.0\.1:\d+ is unavailable \(DEADLINE_EXCEEDED: /,
      );
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(sockets.size).toBeGreaterThan(0);
    } finally {
      await hung.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 60_000);
});
