import { randomBytes } from "node:crypto";
import { newId } from "@warden/ids";
import { waitFor } from "@warden/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TASK_NAMES } from "./config.js";
import { taskLeaseKey } from "./scheduler/task-lease.js";
import { DATABASE_URL, openTestInfrastructure, type TestInfrastructure } from "./test-infrastructure.js";
import { finishedRuns, startSweeperProcess, type SweeperProcess } from "./test-sweeper-process.js";

const INTERVAL_MS = 2_000;
let infra: TestInfrastructure;
let replicas: SweeperProcess[] = [];
let orgId: string;

beforeAll(async () => {
  infra = await openTestInfrastructure("replicas");
  orgId = newId("org");
  await infra.database.db.insertInto("orgs").values({ id: orgId, name: "acme" }).execute();
  const env = {
    ...infra.env,
    WARDEN_SWEEPER_INTERVAL_MS: String(INTERVAL_MS),
    WARDEN_SWEEPER_LEASE_TTL_MS: "1500",
    WARDEN_ADMIN_KEY: `admin-${randomBytes(12).toString("hex")}`,
    // The sweeper re-seals secrets (secrets-reseal), so it holds the keys like every service.
    WARDEN_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString("base64")}`,
  };
  replicas = await Promise.all(["r1", "r2", "r3"].map((id) => startSweeperProcess(id, env)));
});

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.process.stop()));
  await infra?.close();
});

const runs = (task: string) =>
  infra.database.db
    .selectFrom("sweeper_task_runs")
    .selectAll()
    .where("task", "=", task)
    .orderBy("slot")
    .execute();

/** An old finished job with items, for ledger-retention to delete. */
async function oldJobWithItems(): Promise<string> {
  const jobId = newId("projectJob");
  const longAgo = new Date(Date.now() - 60 * 24 * 3600_000);
  await infra.database.db
    .insertInto("revoke_jobs")
    .values({
      id: jobId,
      org_id: orgId,
      scope_kind: "project",
      scope_id: newId("project"),
      status: "completed",
      total: 2,
      revoked: 2,
      finished_at: longAgo,
    })
    .execute();
  await infra.database.db
    .insertInto("revoke_items")
    .values(
      ["ca_a", "ca_b"].map((account) => ({
        job_id: jobId,
        account_id: account,
        auth_config_id: "ac_x",
        run: 1,
        status: "revoked" as const,
      })),
    )
    .execute();
  return jobId;
}

describe("three sweeper replicas", () => {
  it("run each task exactly once per interval for 10 intervals", async () => {
    // Counted from steady state: three replicas starting on a loaded machine may still be
    // warming up (first connections, first lease) when the first slot opens.
    await waitFor(
      async () =>
        (await Promise.all(TASK_NAMES.map(runs))).every((rows) => rows.some((r) => r.outcome === "success")),
      { message: "every task to have run once", timeoutMs: 60_000, intervalMs: 250 },
    );
    const firstSlot = Math.floor(Date.now() / INTERVAL_MS) + 1;
    const lastSlot = firstSlot + 9;
    await waitFor(
      async () =>
        (await Promise.all(TASK_NAMES.map(runs))).every((rows) =>
          rows.some((r) => Number(r.slot) > lastSlot && r.outcome === "success"),
        ),
      {
        message: "every task to run past 10 intervals",
        timeoutMs: 60_000,
        intervalMs: 250,
      },
    );
    const executions = replicas.flatMap((r) =>
      finishedRuns(r.process).map((run) => ({ ...run, replica: r.instanceId })),
    );
    for (const task of TASK_NAMES) {
      const rows = (await runs(task)).filter((r) => r.slot >= firstSlot && r.slot <= lastSlot);
      // Every slot of the 10 ran (no gap), and succeeded.
      expect(rows.map((r) => r.slot)).toEqual(Array.from({ length: 10 }, (_, i) => firstSlot + i));
      expect(rows.every((r) => r.outcome === "success")).toBe(true);
      // Counted from the replicas' own logs, independently of the ledger's key: one execution per slot.
      for (let slot = firstSlot; slot <= lastSlot; slot++) {
        const ran = executions.filter((e) => e.task === task && e.slot === slot);
        expect(ran, `${task} slot ${slot}`).toHaveLength(1);
      }
    }
    // Lock contention is counted, never logged above debug.
    const metrics = await (await fetch(`${replicas[0]!.probeUrl}/metrics`)).text();
    expect(metrics).toMatch(/warden_sweeper_task_runs_total\{[^}]*outcome="skipped_lock"[^}]*\} \d+/);
    expect(metrics).toMatch(/warden_sweeper_task_duration_seconds_count\{[^}]*task="leases-expiry"/);
    for (const r of replicas) expect(r.process.logs().filter((l) => /"level":(40|50)/.test(l))).toEqual([]);
  });

  it("lets another replica take the next interval when the leader is killed mid-run", async () => {
    const jobId = await oldJobWithItems();
    // Hold the old job's ledger rows so the next ledger-retention run blocks mid-run.
    const blocker = new pg.Client({
      connectionString: DATABASE_URL,
      options: `-c search_path=${infra.namespace}`,
    });
    await blocker.connect();
    await blocker.query("begin");
    await blocker.query("select * from revoke_items where job_id = $1 for update", [jobId]);
    const stuck = await waitFor(
      async () => (await runs("ledger-retention")).find((r) => r.outcome === "running"),
      {
        message: "a ledger-retention run to block",
        timeoutMs: 20_000,
      },
    ).then((row) => row!);
    const leader = replicas.find((r) => r.instanceId === stuck.leader)!;
    leader.process.kill("SIGKILL");
    await leader.process.exited;
    await blocker.query("rollback");
    await blocker.end();
    const taken = await waitFor(
      async () =>
        (await runs("ledger-retention")).find((r) => r.slot > stuck.slot && r.outcome === "success"),
      { message: "another replica to take a later interval", timeoutMs: 20_000 },
    ).then((row) => row!);
    expect(taken.leader).not.toBe(stuck.leader);
    expect(
      await infra.database.db
        .selectFrom("revoke_items")
        .select("account_id")
        .where("job_id", "=", jobId)
        .execute(),
    ).toEqual([]);
    replicas = replicas.filter((r) => r !== leader);
  });

  it("aborts a run whose lease is stolen", async () => {
    const before = Math.max(0, ...(await runs("ledger-retention")).map((r) => r.slot));
    const jobId = await oldJobWithItems();
    const blocker = new pg.Client({
      connectionString: DATABASE_URL,
      options: `-c search_path=${infra.namespace}`,
    });
    await blocker.connect();
    await blocker.query("begin");
    await blocker.query("select * from revoke_items where job_id = $1 for update", [jobId]);
    const stuck = await waitFor(
      async () => (await runs("ledger-retention")).find((r) => r.slot > before && r.outcome === "running"),
      {
        message: "a ledger-retention run to block",
        timeoutMs: 20_000,
      },
    ).then((row) => row!);
    await infra.redis.set(taskLeaseKey("ledger-retention"), "thief:0", "PX", 5_000);
    const aborted = await waitFor(
      async () =>
        (await runs("ledger-retention")).find((r) => r.slot === stuck.slot && r.outcome === "aborted"),
      { message: "the run to be aborted", timeoutMs: 20_000 },
    ).then((row) => row!);
    expect(aborted.error).toMatch(/lease of task ledger-retention lost/);
    await blocker.query("rollback");
    await blocker.end();
  });
});
