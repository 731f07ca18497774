import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findInFlightJob, insertRevokeJob, isInFlightConflict } from "./revoke-jobs.repository.js";
import { openTestInfrastructure, type TestInfrastructure } from "./test-infrastructure.js";

let infra: TestInfrastructure;

beforeAll(async () => {
  infra = await openTestInfrastructure("revokejobsrepo");
});
afterAll(async () => {
  await infra?.close();
});

describe("revoke jobs repository", () => {
  it("a second in-flight job for a scope is refused with the error isInFlightConflict recognises", async () => {
    const db = infra.database.db;
    const orgId = await infra.seedOrg();
    const job = (id: string) => ({
      id,
      org_id: orgId,
      project_id: "prj_scope",
      scope_kind: "project" as const,
      scope_id: "prj_scope",
      status: "planning" as const,
    });
    const first = await insertRevokeJob(db, job("pj_first"));
    expect(first).toMatchObject({ id: "pj_first", status: "planning", run: 1, force: false, pending: 0 });
    const refused = await insertRevokeJob(db, job("pj_second")).catch((e: unknown) => e);
    expect(isInFlightConflict(refused)).toBe(true);
    expect((await findInFlightJob(db, "project", "prj_scope"))?.id).toBe("pj_first");

    // A duplicate primary key is a different violation and must not be taken for "in flight".
    const duplicateId = await insertRevokeJob(db, { ...job("pj_first"), scope_id: "prj_other" }).catch(
      (e: unknown) => e,
    );
    expect(isInFlightConflict(duplicateId)).toBe(false);
    expect(isInFlightConflict(new Error("boom"))).toBe(false);
    expect(isInFlightConflict(null)).toBe(false);
  });

  it("a finished job is not in flight and does not block a new one", async () => {
    const db = infra.database.db;
    const orgId = await infra.seedOrg();
    const scope = { org_id: orgId, project_id: null, scope_kind: "org" as const, scope_id: orgId };
    await insertRevokeJob(db, { ...scope, id: "oj_done", status: "completed", finished_at: new Date() });
    expect(await findInFlightJob(db, "org", orgId)).toBeUndefined();
    await insertRevokeJob(db, { ...scope, id: "oj_next", status: "running" });
    expect((await findInFlightJob(db, "org", orgId))?.id).toBe("oj_next");
  });
});
