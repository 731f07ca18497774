import { fromBinary } from "@bufbuild/protobuf";
import { JobEventSchema } from "@warden/proto/events/v1";
import { JobStatus } from "@warden/proto/jobs/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRevokeJobPublisher } from "./revoke-job-publisher.js";
import { insertRevokeJob } from "./revoke-jobs.repository.js";
import { openTestInfrastructure, type TestInfrastructure } from "./test-infrastructure.js";
import { pendingOutboxEvents } from "@warden/outbox";

let infra: TestInfrastructure;

beforeAll(async () => {
  infra = await openTestInfrastructure("jobpublisher");
});
afterAll(async () => {
  await infra?.close();
});

async function plannedJob(id: string) {
  const orgId = await infra.seedOrg();
  return insertRevokeJob(infra.database.db, {
    id,
    org_id: orgId,
    project_id: null,
    scope_kind: "org",
    scope_id: orgId,
    status: "planning",
  });
}

describe("createRevokeJobPublisher", () => {
  it("publishPlan stores the run's plan once; enqueueJobEvent writes the event to the outbox with its transaction", async () => {
    const publisher = createRevokeJobPublisher({ bus: infra.bus, names: infra.names, logger: infra.logger });
    const job = await plannedJob("oj_published");
    expect(await publisher.publishPlan(job)).toBe(true);
    expect(await publisher.publishPlan(job)).toBe(true);
    expect((await infra.plans()).filter((p) => p.jobId === job.id)).toHaveLength(1);

    await infra.database.db.transaction().execute(async (trx) => {
      await publisher.enqueueJobEvent(trx, job, "created");
      await publisher.enqueueJobEvent(trx, { ...job, run: 2 }, "created");
    });
    // Rolled back: the event never reaches the outbox.
    await expect(
      infra.database.db.transaction().execute(async (trx) => {
        await publisher.enqueueJobEvent(trx, { ...job, run: 3 }, "created");
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    const rows = await pendingOutboxEvents(infra.database.db);
    expect(rows.map((r) => r.eventId)).toEqual([`created:${job.id}:1`, `created:${job.id}:2`]);
    expect(rows[0]!.subject).toBe(infra.names.subjects.jobEvent(job.id, "created"));
    const event = fromBinary(JobEventSchema, rows[1]!.payload);
    expect(event.job).toMatchObject({ id: job.id, run: 2, status: JobStatus.PLANNING });
    expect(event.eventId).toBe(`created:${job.id}:2`);
    expect(event.occurredAt).toBeDefined();
  });

  it("when NATS refuses, publishPlan resolves false and the failure is logged, never thrown", async () => {
    const publisher = createRevokeJobPublisher({
      bus: await infra.closedBus(),
      names: infra.names,
      logger: infra.logger,
    });
    const job = await plannedJob("oj_unpublished");
    expect(await publisher.publishPlan(job)).toBe(false);
    const logs = infra.logLines.join("\n");
    expect(logs).toContain("could not publish revoke plan");
  });
});
