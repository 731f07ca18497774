import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { JobStatusColumn, ScopeKindColumn } from "@warden/db";
import { JobStatus, ScopeKind } from "@warden/proto/jobs/v1";
import { describe, expect, it } from "vitest";
import { jobToProto } from "./job-to-proto.js";
import { jobRow } from "./test-rows.js";

describe("jobToProto", () => {
  it("copies ids, run, force and every counter of the row", () => {
    const job = jobToProto(jobRow());
    expect(job).toMatchObject({
      id: "pj_1",
      orgId: "org_1",
      projectId: "prj_1",
      scope: { kind: ScopeKind.PROJECT, id: "prj_1" },
      status: JobStatus.RUNNING,
      run: 2,
      force: true,
      counts: { total: 10n, pending: 4n, revoked: 3n, failed: 1n, skipped: 1n, cancelled: 1n },
    });
    expect(timestampDate(job.createdAt!).toISOString()).toBe("2026-11-22T10:00:00.123Z");
    expect(timestampDate(job.updatedAt!).toISOString()).toBe("2026-11-22T10:05:00.456Z");
    expect(job.finishedAt).toBeUndefined();
  });

  it("an org-scope job has an empty project id, and a finished job its finished_at", () => {
    const finishedAt = new Date("2026-11-22T11:00:00Z");
    const job = jobToProto(
      jobRow({ scope_kind: "org", scope_id: "org_1", project_id: null, finished_at: finishedAt }),
    );
    expect(job.projectId).toBe("");
    expect(job.scope?.kind).toBe(ScopeKind.ORG);
    expect(timestampDate(job.finishedAt!).getTime()).toBe(finishedAt.getTime());
  });

  it("maps every scope kind and status column to its enum value", () => {
    const kinds: Array<[ScopeKindColumn, ScopeKind]> = [
      ["org", ScopeKind.ORG],
      ["project", ScopeKind.PROJECT],
      ["auth_config", ScopeKind.AUTH_CONFIG],
      ["connected_account", ScopeKind.CONNECTED_ACCOUNT],
    ];
    for (const [column, kind] of kinds)
      expect(jobToProto(jobRow({ scope_kind: column })).scope?.kind).toBe(kind);
    const statuses: Array<[JobStatusColumn, JobStatus]> = [
      ["planning", JobStatus.PLANNING],
      ["running", JobStatus.RUNNING],
      ["completed", JobStatus.COMPLETED],
      ["cancelled", JobStatus.CANCELLED],
    ];
    for (const [column, status] of statuses)
      expect(jobToProto(jobRow({ status: column, failed: 0 })).status).toBe(status);
  });

  it("a completed job with failed items reads COMPLETED_WITH_FAILURES, and COMPLETED once none failed", () => {
    expect(jobToProto(jobRow({ status: "completed", failed: 408 })).status).toBe(
      JobStatus.COMPLETED_WITH_FAILURES,
    );
    expect(jobToProto(jobRow({ status: "completed", failed: 0 })).status).toBe(JobStatus.COMPLETED);
    expect(jobToProto(jobRow({ status: "cancelled", failed: 3 })).status).toBe(JobStatus.CANCELLED);
  });
});
