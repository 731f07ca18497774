import { randomBytes } from "node:crypto";
import { Keyring } from "@warden/crypto";
import { busNames, publishWorkBatch } from "@warden/bus";
import { newId } from "@warden/ids";
import { RevokeWorkItemSchema } from "@warden/proto/work/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestInfrastructure, type TestInfrastructure } from "../test-infrastructure.js";
import { createJobsRecoveryTask } from "./jobs-recovery.js";
import type { TaskDeps } from "./task-deps.js";
import { capturingDispatcher, runContext, seedAccount, seedTenant, streamCount } from "./test-fixtures.js";

let infra: TestInfrastructure;
let deps: TaskDeps;
const MIN = 60_000;

beforeAll(async () => {
  infra = await openTestInfrastructure("redrive");
  deps = {
    db: infra.database.db,
    redis: infra.redis,
    bus: infra.bus,
    names: busNames(infra.namespace),
    notifications: capturingDispatcher(),
    keyring: new Keyring([{ id: "test", key: randomBytes(32) }]),
  };
});
afterAll(async () => {
  await infra?.close();
});

/** A running job of `accounts` pending items, its row last moved at `updatedAt`, its items long untouched. */
async function runningJob(accounts: number, updatedAt: Date) {
  const db = infra.database.db;
  const tenant = await seedTenant(db);
  const ids = [];
  for (let i = 0; i < accounts; i++) ids.push(await seedAccount(db, tenant));
  const jobId = newId("projectJob");
  const longAgo = new Date(Date.now() - 10 * MIN);
  await db
    .insertInto("revoke_jobs")
    .values({
      id: jobId,
      org_id: tenant.orgId,
      project_id: tenant.projectId,
      scope_kind: "project",
      scope_id: tenant.projectId,
      status: "running",
      total: accounts,
      pending: accounts,
      updated_at: updatedAt,
    })
    .execute();
  await db
    .insertInto("revoke_items")
    .values(
      ids.map((id) => ({
        job_id: jobId,
        account_id: id,
        auth_config_id: tenant.authConfigId,
        run: 1,
        status: "pending" as const,
        published_at: longAgo,
        updated_at: longAgo,
      })),
    )
    .execute();
  return { jobId, authConfigId: tenant.authConfigId, ids };
}

const task = () =>
  createJobsRecoveryTask(deps, { intervalMs: MIN, itemTimeoutMs: 5 * MIN, planningTimeoutMs: 5 * MIN });
const subjectOf = (jobId: string) => deps.names.subjects.revokeItem(jobId);

describe("jobs-recovery re-drive", () => {
  it("leaves a job that progressed within the timeout alone, whatever its items look like", async () => {
    const { jobId } = await runningJob(3, new Date());
    expect(await task().run(runContext(infra, "healthy"))).toMatchObject({ republished: 0 });
    expect(await streamCount(infra, deps.names.streams.revokeItems, subjectOf(jobId))).toBe(0);
  });

  it("republishes a stalled job's pending items only when the stream holds fewer than the ledger, then waits a timeout", async () => {
    const { jobId, authConfigId, ids } = await runningJob(3, new Date(Date.now() - 10 * MIN));
    // Every pending item still has its message (e.g. backing off after a nak): nothing is republished.
    await publishWorkBatch(
      deps.bus.nc,
      ids.map((accountId) => ({
        subject: subjectOf(jobId),
        schema: RevokeWorkItemSchema,
        message: { jobId, run: 1, accountId, authConfigId },
        msgId: `item:${jobId}:1:${accountId}`,
      })),
    );
    expect(await task().run(runContext(infra, "backoff"))).toMatchObject({ republished: 0 });

    // NATS lost the messages: the ledger re-drives all three, once.
    await deps.bus.jsm.streams.purge(deps.names.streams.revokeItems, { filter: subjectOf(jobId) });
    await infra.database.db
      .updateTable("revoke_jobs")
      .set({ updated_at: new Date(Date.now() - 10 * MIN) })
      .where("id", "=", jobId)
      .execute();
    expect(await task().run(runContext(infra, "lost"))).toMatchObject({ republished: 3 });
    expect(await streamCount(infra, deps.names.streams.revokeItems, subjectOf(jobId))).toBe(3);
    // The re-drive touched the job: the next tick neither re-drives nor rescans it.
    await deps.bus.jsm.streams.purge(deps.names.streams.revokeItems, { filter: subjectOf(jobId) });
    expect(await task().run(runContext(infra, "next"))).toMatchObject({ republished: 0 });
  });
});
