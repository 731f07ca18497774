import { JobsService, JobStatus } from "@warden/proto/jobs/v1";
import { waitFor } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTenant,
  finishItems,
  planItems,
  publishJobEvent,
  type TestTenant,
} from "../../../services/jobs-gateway/src/jobs-test-fixtures.js";
import { connectClient } from "../../../services/jobs-gateway/src/test-clients.js";
import { startTestGateway, type TestGateway } from "../../../services/jobs-gateway/src/test-gateway.js";
import { captureStream, runWarden, type CliResult } from "./test-cli.js";

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ label: "clijobs" });
});

afterAll(async () => {
  await gateway?.close();
});

function wardenFor(
  tenant: TestTenant,
  options: {
    tty?: boolean;
    columns?: number;
    signal?: AbortSignal;
    stdout?: ReturnType<typeof captureStream>;
  } = {},
) {
  return (args: string[]): Promise<CliResult> =>
    runWarden(args, { WARDEN_GATEWAY_URL: gateway.url, WARDEN_API_KEY: tenant.projectKey }, options);
}

/** The newest job of a tenant once it exists (the CLI created it). */
async function waitForJob(tenant: TestTenant): Promise<string> {
  const jobs = connectClient(JobsService, gateway.url, tenant.orgKey);
  for (let i = 0; i < 200; i++) {
    const [job] = (await jobs.listRevokeJobs({ pageSize: 1 })).jobs;
    if (job) return job.id;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("no job appeared");
}

/** Moves a job the way the executor would, with the events a watcher wakes on. */
async function driveJob(tenant: TestTenant, jobId: string): Promise<void> {
  await planItems(gateway, jobId, 50, tenant.authConfigId);
  await publishJobEvent(gateway, jobId, "progress");
  await finishItems(gateway, jobId, 30, "revoked");
  await publishJobEvent(gateway, jobId, "progress");
  await finishItems(gateway, jobId, 20, "failed", "invalid_token");
  await publishJobEvent(gateway, jobId, "completed");
}

describe("warden revoke --watch", () => {
  it("follows a job from planning to completion as plain lines when not a TTY, exits 3 because items failed", async () => {
    const tenant = await createTenant(gateway, "watchlines", 0);
    const warden = wardenFor(tenant);
    const stdout = captureStream();
    const watching = wardenFor(tenant, { stdout })([
      "revoke",
      "--scope",
      `project:${tenant.projectId}`,
      "--watch",
    ]);
    const jobId = await waitForJob(tenant);
    // Driven only once the watcher printed its first snapshot, so that line is the PLANNING one.
    await waitFor(() => stdout.text().includes("\n"), { message: "the watcher's first line" });
    await driveJob(tenant, jobId);
    const result = await watching;

    expect(result.code, result.stderr).toBe(3);
    const lines = result.stdout.trim().split("\n");
    expect(lines[0]).toMatch(new RegExp(`^${jobId} PLANNING 0% total=0 `));
    expect(result.stdout).not.toContain("\r");
    expect(result.stdout).not.toContain("\u001b");
    expect(lines.at(-2)).toMatch(
      new RegExp(
        `^${jobId} COMPLETED_WITH_FAILURES 100% total=50 revoked=30 failed=20 skipped=0 pending=0 rate=`,
      ),
    );
    expect(lines.at(-1)).toMatch(
      new RegExp(`^${jobId} COMPLETED_WITH_FAILURES: 30 revoked, 20 failed, 0 skipped of 50 in \\d+\\.\\ds$`),
    );
    expect(result.stderr).toContain(`warden jobs get ${jobId} --failed`);

    // The failed-items ledger, a page at a time and then all of it.
    const page = await warden(["jobs", "get", jobId, "--failed", "--page-size", "5"]);
    // The job ended with failed items: `jobs get` says so with exit code 3 as well.
    expect(page.code, page.stderr).toBe(3);
    expect(page.stdout).toMatch(/status\s+COMPLETED_WITH_FAILURES/);
    const itemRows = page.stdout.split("failed items:\n")[1]!.trim().split("\n").slice(1);
    expect(itemRows).toHaveLength(5);
    expect(itemRows.every((r) => /\bFAILED\s+1\s+invalid_token\b/.test(r))).toBe(true);
    const cursor = /--cursor (\S+)/.exec(page.stderr)![1]!;
    const next = await warden([
      "jobs",
      "get",
      jobId,
      "--failed",
      "--page-size",
      "5",
      "--cursor",
      cursor,
      "--json",
    ]);
    const nextItems = JSON.parse(next.stdout).items as { connectedAccountId: string }[];
    expect(nextItems).toHaveLength(5);
    expect(itemRows.some((r) => r.startsWith(nextItems[0]!.connectedAccountId))).toBe(false);
    const all = await warden(["jobs", "get", jobId, "--failed", "--page-size", "7", "--all", "--json"]);
    const allItems = JSON.parse(all.stdout).items as { connectedAccountId: string }[];
    expect(new Set(allItems.map((i) => i.connectedAccountId)).size).toBe(20);
    const bad = await warden(["jobs", "get", jobId, "--failed", "--cursor", "bogus"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: INVALID_ARGUMENT: /);

    const list = await warden(["jobs", "list"]);
    expect(list.stdout).toMatch(
      new RegExp(`${jobId}\\s+project:${tenant.projectId}\\s+COMPLETED_WITH_FAILURES\\s+1\\s+50\\s+30\\s+20`),
    );

    // Retry starts run 2 over the 20 failed items; cancelling it ends them CANCELLED.
    const retry = await warden(["jobs", "retry", jobId]);
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.stdout).toMatch(/run\s+2/);
    expect(retry.stdout).toMatch(/pending\s+20/);
    const cancel = await warden(["jobs", "cancel", jobId]);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toMatch(/status\s+CANCELLED/);
    expect(cancel.stdout).toMatch(/cancelled\s+20/);
    const again = await warden(["jobs", "cancel", jobId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: FAILED_PRECONDITION: /);
  });

  it("draws one redrawn bar on a TTY that never outgrows the terminal, and exits 0 when nothing failed", async () => {
    const tenant = await createTenant(gateway, "watchbar", 0);
    const warden = wardenFor(tenant, { tty: true, columns: 100 });
    const watching = warden(["revoke", "--scope", tenant.projectId, "--watch"]);
    const jobId = await waitForJob(tenant);
    await planItems(gateway, jobId, 40, tenant.authConfigId);
    await publishJobEvent(gateway, jobId, "progress");
    await finishItems(gateway, jobId, 25, "revoked");
    await publishJobEvent(gateway, jobId, "progress");
    await finishItems(gateway, jobId, 15, "skipped");
    await publishJobEvent(gateway, jobId, "completed");
    const result = await watching;

    expect(result.code, result.stderr).toBe(0);
    const frames = result.stdout.split("\r\x1b[2K").slice(1);
    expect(frames.length).toBeGreaterThanOrEqual(2);
    for (const frame of frames) expect(frame.split("\n")[0]!.length).toBeLessThan(100);
    const last = frames.at(-1)!.split("\n")[0]!;
    expect(result.stdout.startsWith(`watching ${jobId} `)).toBe(true);
    expect(last).toMatch(/^COMPLETED \[█{10,30}\] 100%/);
    expect(last).toMatch(/100%\s+revoked 25\s+failed 0\s+skipped 15\s+pending 0/);
    expect(result.stdout.trimEnd().split("\n").at(-1)).toContain(
      "COMPLETED: 25 revoked, 0 failed, 15 skipped of 40",
    );
  });

  it("a second revoke of a scope in flight joins the running job instead of failing", async () => {
    const tenant = await createTenant(gateway, "join", 0);
    const warden = wardenFor(tenant);
    const first = await warden(["revoke", "--scope", `project:${tenant.projectId}`, "--json"]);
    expect(first.code, first.stderr).toBe(0);
    const jobId = JSON.parse(first.stdout).job.id as string;
    expect(jobId).toMatch(/^pj_/);
    const second = await warden(["revoke", "--scope", `project:${tenant.projectId}`, "--force"]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain(`already in flight: joining ${jobId}`);
    expect(second.stdout).toMatch(new RegExp(`job\\s+${jobId}`));
  });

  it("Ctrl-C while watching exits 130 and leaves the job running", async () => {
    const tenant = await createTenant(gateway, "interrupt", 0);
    const interrupt = new AbortController();
    const warden = wardenFor(tenant, { signal: interrupt.signal });
    const watching = warden(["revoke", "--scope", `project:${tenant.projectId}`, "--watch"]);
    const jobId = await waitForJob(tenant);
    await planItems(gateway, jobId, 10, tenant.authConfigId);
    await new Promise((r) => setTimeout(r, 300));
    interrupt.abort();
    const result = await watching;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain(`stopped watching; ${jobId} carries on`);
    const job = (await connectClient(JobsService, gateway.url, tenant.orgKey).getRevokeJob({ jobId })).job!;
    expect(job.status).toBe(JobStatus.RUNNING);
  });
});
