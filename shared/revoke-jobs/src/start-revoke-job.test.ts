import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRevokeJobPublisher, type RevokeJobPublisher } from "./revoke-job-publisher.js";
import { startOrJoinRevokeJob, type RevokeJobRequest } from "./start-revoke-job.js";
import { openTestInfrastructure, type TestInfrastructure } from "./test-infrastructure.js";
import { pendingOutboxEvents } from "@warden/outbox";

let infra: TestInfrastructure;

beforeAll(async () => {
  infra = await openTestInfrastructure("startrevokejob");
});
afterAll(async () => {
  await infra?.close();
});

/** Starts jobs through the real publisher, counting what it is asked to publish (the stream would hide repeats). */
function starter() {
  const real = createRevokeJobPublisher({ bus: infra.bus, names: infra.names, logger: infra.logger });
  const calls: string[] = [];
  const publisher: RevokeJobPublisher = {
    publishPlan: (job) => (calls.push(`plan:${job.id}`), real.publishPlan(job)),
    enqueueJobEvent: (trx, job, kind) => (
      calls.push(`${kind}:${job.id}`),
      real.enqueueJobEvent(trx, job, kind)
    ),
  };
  const start = (request: RevokeJobRequest) =>
    startOrJoinRevokeJob({ db: infra.database.db, publisher, logger: infra.logger }, request);
  return Object.assign(start, { calls });
}

describe("startOrJoinRevokeJob", () => {
  it("30 concurrent starts for one scope create one job; the rest join it; one plan and one created event", async () => {
    const start = starter();
    const orgId = await infra.seedOrg();
    const request = {
      scopeKind: "auth_config" as const,
      scopeId: "ac_concurrent",
      orgId,
      projectId: "prj_concurrent",
      force: true,
    };
    const outcomes = await Promise.all(Array.from({ length: 30 }, () => start(request)));
    const created = outcomes.filter((o) => o?.created);
    expect(created).toHaveLength(1);
    const job = created[0]!.job;
    expect(job).toMatchObject({
      org_id: orgId,
      project_id: "prj_concurrent",
      scope_kind: "auth_config",
      scope_id: "ac_concurrent",
      status: "planning",
      run: 1,
      force: true,
    });
    expect(job.id).toMatch(/^pj_/);
    expect(outcomes.every((o) => o?.job.id === job.id)).toBe(true);
    // Joining publishes nothing: the creator alone sent one plan and one created event.
    expect(start.calls).toEqual([`created:${job.id}`, `plan:${job.id}`]);

    const rows = await infra.database.db
      .selectFrom("revoke_jobs")
      .select("id")
      .where("scope_id", "=", "ac_concurrent")
      .execute();
    expect(rows).toEqual([{ id: job.id }]);
    expect((await infra.plans()).filter((p) => p.jobId === job.id).map((p) => p.run)).toEqual([1]);
    // The created event was committed to the outbox with the job, once.
    const outbox = (await pendingOutboxEvents(infra.database.db))
      .filter((event) => event.subject.includes(`.${job.id}.`))
      .map(({ eventId, subject }) => ({ eventId, subject }));
    expect(outbox).toEqual([
      { eventId: `created:${job.id}:1`, subject: infra.names.subjects.jobEvent(job.id, "created") },
    ]);
    expect(infra.logLines.filter((l) => l.includes("revoke job created") && l.includes(job.id))).toHaveLength(
      1,
    );
  });

  it("an org scope gets an oj_ job without a project; a later start after it finished creates a new one", async () => {
    const start = starter();
    const orgId = await infra.seedOrg();
    const request = { scopeKind: "org" as const, scopeId: orgId, orgId, projectId: null, force: false };
    const first = await start(request);
    expect(first?.created).toBe(true);
    expect(first?.job.id).toMatch(/^oj_/);
    expect(first?.job.project_id).toBeNull();
    await infra.database.db
      .updateTable("revoke_jobs")
      .set({ status: "completed", finished_at: new Date() })
      .where("id", "=", first!.job.id)
      .execute();
    const second = await start(request);
    expect(second?.created).toBe(true);
    expect(second?.job.id).not.toBe(first?.job.id);
  });

  it("when NATS refuses the plan the job is still created (planning) and the failure is logged", async () => {
    const publisher = createRevokeJobPublisher({
      bus: await infra.closedBus(),
      names: infra.names,
      logger: infra.logger,
    });
    const orgId = await infra.seedOrg();
    const started = await startOrJoinRevokeJob(
      { db: infra.database.db, publisher, logger: infra.logger },
      { scopeKind: "project", scopeId: "prj_noplan", orgId, projectId: "prj_noplan", force: false },
    );
    expect(started?.created).toBe(true);
    const row = await infra.database.db
      .selectFrom("revoke_jobs")
      .select("status")
      .where("id", "=", started!.job.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe("planning");
    expect(infra.logLines.join("\n")).toContain("could not publish revoke plan");
  });
});
