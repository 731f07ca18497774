import { fromBinary } from "@bufbuild/protobuf";
import { busNames } from "@warden/bus";
import { AccountEventSchema, JobEventSchema, LeaseEventSchema } from "@warden/proto/events/v1";
import { describe, expect, it } from "vitest";
import {
  accountDeletedOutboxEvent,
  accountOutboxEvent,
  accountRevokedOutboxEvent,
  jobOutboxEvent,
  leaseOutboxEvent,
} from "./outbox-events.js";
import { jobRow, leaseRow } from "./test-rows.js";

const names = busNames("warden");

describe("outbox event builders", () => {
  it("give a job's once-per-run events a stable id, and each progress snapshot its own", () => {
    const job = jobRow({ status: "completed" });
    const completed = jobOutboxEvent(names, job, "completed");
    expect(completed.subject).toBe("warden.events.job.pj_1.completed");
    expect(completed.eventId).toBe("completed:pj_1:2");
    expect(jobOutboxEvent(names, job, "completed").eventId).toBe(completed.eventId);
    expect(fromBinary(JobEventSchema, completed.payload).eventId).toBe(completed.eventId);
    const progress = [jobOutboxEvent(names, job, "progress"), jobOutboxEvent(names, job, "progress")];
    expect(progress[0]!.eventId).not.toBe(progress[1]!.eventId);
    expect(fromBinary(JobEventSchema, progress[1]!.payload).eventId).toBe(progress[1]!.eventId);
  });

  it("encode the event id into account events, which carry ids and codes only", () => {
    const revoked = accountRevokedOutboxEvent(
      names,
      { id: "ca_1", org_id: "org_1", project_id: "prj_1", auth_config_id: "ac_1" },
      "pj_1",
    );
    expect(revoked.subject).toBe("warden.events.account.ca_1.revoked");
    const decoded = fromBinary(AccountEventSchema, revoked.payload);
    expect(decoded).toMatchObject({ accountId: "ca_1", jobId: "pj_1", eventId: revoked.eventId });
    const lost = accountOutboxEvent(names, "needs_reconnect", {
      accountId: "ca_2",
      errorCode: "invalid_grant",
      statusReason: "rotation_lost",
    });
    expect(lost.subject).toBe("warden.events.account.ca_2.needs_reconnect");
    expect(fromBinary(AccountEventSchema, lost.payload)).toMatchObject({
      statusReason: "rotation_lost",
      eventId: lost.eventId,
    });
    expect(lost.eventId).not.toBe(revoked.eventId);
  });

  it("give an account's soft delete and its purge one stable id each, on the deleted subject, with ids only", () => {
    const account = { id: "ca_3", org_id: "org_1", project_id: "prj_1", auth_config_id: "ac_1" };
    const deleted = accountDeletedOutboxEvent(names, account, "deleted", { jobId: "pj_7" });
    expect(deleted.subject).toBe("warden.events.account.ca_3.deleted");
    expect(deleted.eventId).toBe("account:ca_3:deleted");
    expect(accountDeletedOutboxEvent(names, account, "deleted").eventId).toBe(deleted.eventId);
    expect(fromBinary(AccountEventSchema, deleted.payload)).toMatchObject({
      accountId: "ca_3",
      orgId: "org_1",
      projectId: "prj_1",
      authConfigId: "ac_1",
      jobId: "pj_7",
      statusReason: "deleted",
      eventId: "account:ca_3:deleted",
    });
    const purged = accountDeletedOutboxEvent(names, account, "purged");
    expect(purged.subject).toBe(deleted.subject);
    expect(purged.eventId).toBe("account:ca_3:purged");
    expect(fromBinary(AccountEventSchema, purged.payload)).toMatchObject({
      statusReason: "purged",
      jobId: "",
    });
  });

  it("never put a lease's token hash into a lease event", () => {
    const lease = leaseRow();
    const event = leaseOutboxEvent(names, lease, "expired", new Date("2026-11-22T12:00:01Z"));
    expect(event.subject).toBe(`warden.events.lease.${lease.id}.expired`);
    expect(event.eventId).toBe("lease:ls_1:expired");
    expect(fromBinary(LeaseEventSchema, event.payload).eventId).toBe(event.eventId);
    expect(Buffer.from(event.payload).includes(Buffer.from(lease.token_hash))).toBe(false);
  });
});
