import { fromBinary } from "@bufbuild/protobuf";
import { JobEventSchema } from "@warden/proto/events/v1";
import { JobStatus } from "@warden/proto/jobs/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRevokeJobPublisher } from "./revoke-job-publisher.js";
import { insertRevokeJob } from "./revoke-jobs.repository.js";
import { openTestInfrastructure, type TestInfrastructure } from "./test-infrastructure.js";

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
  it("publishPlan stores the run's plan once; publishJobEvent stores one event per job, run and kind", async () => {
    const publisher = createRevokeJobPublisher({ bus: infra.bus, names: infra.names, logger: infra.logger });
    const job = await plannedJob("oj_published");
    expect(await publisher.publishPlan(job)).toBe(true);
    expect(await publisher.publishPlan(job)).toBe(true);
    expect((await infra.plans()).filter((p) => p.jobId === job.id)).toHaveLength(1);

    await publisher.publishJobEvent(job, "created");
    await publisher.publishJobEvent(job, "created");
    await publisher.publishJobEvent({ ...job, run: 2 }, "created");
    const subject = infra.names.subjects.jobEvent(job.id, "created");
    expect(await infra.countOn(infra.names.streams.events, subject)).toBe(2);
    const stored = await infra.bus.jsm.streams.getMessage(infra.names.streams.events, {
      last_by_subj: subject,
    });
    const event = fromBinary(JobEventSchema, stored.data);
    expect(event.job).toMatchObject({ id: job.id, run: 2, status: JobStatus.PLANNING });
    expect(event.occurredAt).toBeDefined();
  });

  it("when NATS refuses, publishPlan resolves false and both failures are logged, never thrown", async () => {
    const publisher = createRevokeJobPublisher({
      bus: await infra.closedBus(),
      names: infra.names,
      logger: infra.logger,
    });
    const job = await plannedJob("oj_unpublished");
    expect(await publisher.publishPlan(job)).toBe(false);
    await expect(publisher.publishJobEvent(job, "cancelled")).resolves.toBeUndefined();
    const logs = infra.logLines.join("\n");
    expect(logs).toContain("could not publish revoke plan");
    expect(logs).toContain("could not publish job event");
  });
});
