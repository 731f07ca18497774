import { JobsService, ScopeKind } from "@warden/proto/jobs/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTenant,
  finishItems,
  planItems,
  type TestTenant,
} from "../../../services/jobs-gateway/src/jobs-test-fixtures.js";
import { connectClient } from "../../../services/jobs-gateway/src/test-clients.js";
import { startTestGateway, type TestGateway } from "../../../services/jobs-gateway/src/test-gateway.js";
import { runWarden, type CliResult } from "./test-cli.js";

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ label: "cliresume" });
});

afterAll(async () => {
  await gateway?.close();
});

function wardenFor(tenant: TestTenant) {
  return (args: string[]): Promise<CliResult> =>
    runWarden(args, { WARDEN_GATEWAY_URL: gateway.url, WARDEN_API_KEY: tenant.orgKey });
}

/** A job of 30 items cancelled by the CLI after 10 revoked and 5 failed: 15 CANCELLED. */
async function cancelledJob(tenant: TestTenant): Promise<string> {
  const jobs = connectClient(JobsService, gateway.url, tenant.orgKey);
  const { job } = await jobs.createRevokeJob({ scope: { kind: ScopeKind.PROJECT, id: tenant.projectId } });
  await planItems(gateway, job!.id, 30, tenant.authConfigId);
  await finishItems(gateway, job!.id, 10, "revoked");
  await finishItems(gateway, job!.id, 5, "failed", "server_error");
  const cancel = await wardenFor(tenant)(["jobs", "cancel", job!.id]);
  expect(cancel.code, cancel.stderr).toBe(0);
  return job!.id;
}

describe("warden jobs retry", () => {
  it("--include-cancelled resumes a cancelled job's cancelled items with its failed ones", async () => {
    const tenant = await createTenant(gateway, "cliresume", 0);
    const warden = wardenFor(tenant);
    const jobId = await cancelledJob(tenant);
    const resumed = await warden(["jobs", "retry", jobId, "--include-cancelled"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/run\s+2/);
    expect(resumed.stdout).toMatch(/pending\s+20/);
    expect(resumed.stdout).toMatch(/cancelled\s+0/);
  });

  it("--item retries only the named items, and a name that is not retryable fails naming the field", async () => {
    const tenant = await createTenant(gateway, "cliitems", 0);
    const warden = wardenFor(tenant);
    const jobId = await cancelledJob(tenant);
    const rows = await gateway.deps.db
      .selectFrom("revoke_items")
      .select(["account_id", "status"])
      .where("job_id", "=", jobId)
      .orderBy("account_id")
      .execute();
    const cancelled = rows.filter((r) => r.status === "cancelled").map((r) => r.account_id);
    const revoked = rows.find((r) => r.status === "revoked")!.account_id;

    const refused = await warden(["jobs", "retry", jobId, "--item", revoked, "--include-cancelled"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: FAILED_PRECONDITION: connected_account_ids must name/);
    const withoutFlag = await warden(["jobs", "retry", jobId, "--item", cancelled[0]!]);
    expect(withoutFlag.code).toBe(1);
    expect(withoutFlag.stderr).toContain("include_cancelled");

    const picked = await warden([
      "jobs",
      "retry",
      jobId,
      "--include-cancelled",
      "--item",
      cancelled[0]!,
      "--item",
      `${cancelled[1]!},${cancelled[2]!}`,
    ]);
    expect(picked.code, picked.stderr).toBe(0);
    expect(picked.stdout).toMatch(/pending\s+3/);
    expect(picked.stdout).toMatch(/cancelled\s+12/);
  });
});
