import { existsSync } from "node:fs";
import { AdminService } from "@warden/proto/admin/v1";
import { JobsService, JobStatus, ScopeKind } from "@warden/proto/jobs/v1";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboard } from "../dashboard/build.js";
import { createTenant, finishItems, JOB_SCOPES, planItems, type TestTenant } from "./jobs-test-fixtures.js";
import { connectClient } from "./test-clients.js";
import { CHROMIUM, expectFitsWidth } from "./test-dashboard-browser.js";
import { startTestGateway, type TestGateway } from "./test-gateway.js";

// Every flow of the operator's dashboard at 1280 px and at 400 px, with a check
// that no page scrolls sideways (screenshots when WARDEN_DASHBOARD_SCREENSHOTS=<dir>). One browser for the file.
const WIDTHS = [1280, 400] as const;

let gateway: TestGateway;
let browser: Browser;
let tenant: TestTenant;
let poolKey: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install -y chromium)`);
  await buildDashboard();
  gateway = await startTestGateway({ label: "dashsteer" });
  tenant = await createTenant(gateway, "steer-dash", 3);
  const admin = connectClient(AdminService, gateway.url, gateway.adminKey);
  poolKey = (await admin.createApiKey({ orgId: tenant.orgId, scopes: JOB_SCOPES })).apiKey;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.close();
});

/** A page logged in with `key` at `width`, failing the test on any page error. */
async function openDashboard(
  width: number,
  key = tenant.orgKey,
): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("dialog", (dialog) => void dialog.accept());
  await page.goto(gateway.url);
  await page.locator("#api-key").fill(key);
  await page.keyboard.press("Enter");
  await page.locator("#forget-key").waitFor();
  return { page, problems };
}

describe("dashboard: operators act", () => {
  it("starts a job from a dry-run preview; an org scope needs its id typed before it starts", async () => {
    for (const width of WIDTHS) {
      const { page, problems } = await openDashboard(width);
      await page.locator("#start-job summary").click();
      await page.locator("#start-kind").selectOption(String(ScopeKind.ORG));
      await page.locator("#start-id").fill(tenant.orgId);
      await page.getByRole("button", { name: "Preview (dry run)" }).click();
      await page.locator("#start-total", { hasText: "3 accounts would be revoked" }).waitFor();
      expect(await page.locator("#start-preview tbody tr").count()).toBe(1);
      const start = page.locator("#start-confirm");
      expect(await start.isDisabled()).toBe(true);
      await page.locator("#start-typed").fill("org_wrong");
      expect(await start.isDisabled()).toBe(true);
      await expectFitsWidth(page, "start-job-org-preview", width);
      // Nothing was started by the preview.
      const jobs = connectClient(JobsService, gateway.url, tenant.orgKey);
      expect((await jobs.listRevokeJobs({})).jobs).toHaveLength(0);
      if (width === 400) {
        await page.locator("#start-typed").fill(tenant.orgId);
        await start.click();
        await page.waitForURL(/#\/jobs\/oj_/);
        await page.locator("#job-status").waitFor();
        await expectFitsWidth(page, "job-started", width);
        expect((await jobs.listRevokeJobs({})).jobs).toHaveLength(1);
      }
      expect(problems).toEqual([]);
      await page.close();
    }
  }, 120_000);

  it("filters jobs by status, scope kind and date; COMPLETED_WITH_FAILURES shows as such, a cancelled job its real progress", async () => {
    const jobs = connectClient(JobsService, gateway.url, tenant.orgKey);
    const failing = (await jobs.createRevokeJob({ scope: { kind: ScopeKind.PROJECT, id: tenant.projectId } }))
      .job!.id;
    await planItems(gateway, failing, 10, tenant.authConfigId);
    await finishItems(gateway, failing, 6, "revoked");
    await finishItems(gateway, failing, 4, "failed", "invalid_client");
    const cancelled = (
      await jobs.createRevokeJob({ scope: { kind: ScopeKind.AUTH_CONFIG, id: tenant.authConfigId } })
    ).job!.id;
    await planItems(gateway, cancelled, 10, tenant.authConfigId);
    await finishItems(gateway, cancelled, 3, "revoked");
    await jobs.cancelRevokeJob({ jobId: cancelled });
    expect((await jobs.getRevokeJob({ jobId: failing })).job!.status).toBe(JobStatus.COMPLETED_WITH_FAILURES);

    for (const width of WIDTHS) {
      const { page, problems } = await openDashboard(width);
      const rows = page.locator("tr[data-job]");
      await page
        .locator(`tr[data-job="${cancelled}"] .progress .label`, { hasText: "3 / 10 · 30%" })
        .waitFor();
      await page.locator("#filter-status").selectOption(String(JobStatus.COMPLETED_WITH_FAILURES));
      // Poll on which row shows, not only how many: the previous page stays on screen until
      // the filtered one arrives.
      const shown = async () => [await rows.count(), await rows.first().getAttribute("data-job")];
      await expect.poll(shown).toEqual([1, failing]);
      expect(await rows.first().locator(".badge").textContent()).toBe("COMPLETED_WITH_FAILURES");
      await expectFitsWidth(page, "jobs-filter-status", width);
      await page.locator("#filter-status").selectOption(String(JobStatus.UNSPECIFIED));
      await page.locator("#filter-scope").selectOption(String(ScopeKind.AUTH_CONFIG));
      await expect.poll(shown).toEqual([1, cancelled]);
      await page.locator("#filter-scope").selectOption(String(ScopeKind.UNSPECIFIED));
      await page.locator("#filter-after").fill("2100-01-01");
      await page.locator("#filter-after").dispatchEvent("change");
      await expect.poll(() => rows.count()).toBe(0);
      await page.locator("#filter-after").fill("");
      await page.locator("#filter-after").dispatchEvent("change");
      const all = (await jobs.listRevokeJobs({})).jobs.length;
      await expect.poll(() => rows.count()).toBe(all);
      // The CREATED column is on screen, not clipped, at 1280 px.
      if (width === 1280) {
        const cell = rows.first().locator("td").last();
        // The list re-renders on its refresh: a row read between two renders has no box yet, so poll.
        const rightEdge = async () => {
          const box = await cell.boundingBox();
          return box === null ? undefined : box.x + box.width;
        };
        await expect.poll(rightEdge).toBeLessThanOrEqual(1280);
        expect(await cell.evaluate((td) => td.scrollWidth <= td.clientWidth)).toBe(true);
      }
      await expectFitsWidth(page, "jobs", width);
      expect(problems).toEqual([]);
      await page.close();
    }
  }, 120_000);

  it("the ledger shows external user, auth config, run and error description, filters by status and user, and retries one item or resumes cancelled ones", async () => {
    const jobs = connectClient(JobsService, gateway.url, tenant.orgKey);
    const project = tenant.otherProjectId;
    // A job over the tenant's real accounts (their external user ids are user-0 … user-2).
    const jobId = (await jobs.createRevokeJob({ scope: { kind: ScopeKind.PROJECT, id: project } })).job!.id;
    const { db } = gateway.deps;
    await db
      .insertInto("revoke_items")
      .values(
        tenant.accountIds.map((accountId, i) => ({
          job_id: jobId,
          account_id: accountId,
          auth_config_id: tenant.authConfigId,
          run: 1,
          status: i === 2 ? ("revoked" as const) : ("failed" as const),
          attempts: 1,
          error_code: i === 2 ? null : "invalid_client",
          error_message: i === 2 ? null : "the provider refused the revocation",
          error_description: i === 2 ? null : `Client authentication failed for user-${i}`,
          updated_at: new Date(),
        })),
      )
      .execute();
    await db
      .updateTable("revoke_jobs")
      .set({ status: "completed", total: 3, failed: 2, revoked: 1, finished_at: new Date() })
      .where("id", "=", jobId)
      .execute();

    for (const width of WIDTHS) {
      const { page, problems } = await openDashboard(width);
      await page.goto(`${gateway.url}/#/jobs/${jobId}`);
      const ledgerRows = page.locator("tr[data-account]");
      await expect.poll(() => ledgerRows.count()).toBe(2);
      const first = await ledgerRows.filter({ hasText: "user-0" }).textContent();
      expect(first).toContain(tenant.authConfigId);
      expect(first).toContain("Client authentication failed for user-0");
      await expectFitsWidth(page, "ledger", width);
      await page.getByRole("button", { name: "All items" }).click();
      await expect.poll(() => ledgerRows.count()).toBe(3);
      await page.locator("#ledger-status").selectOption("2"); // REVOKED
      await expect.poll(() => ledgerRows.count()).toBe(1);
      await page.locator("#ledger-status").selectOption("0");
      // The unfiltered page is drawn before the operator filters: a draw still on its way could
      // land between typing and clicking and move the button under the click.
      await expect.poll(() => ledgerRows.count()).toBe(3);
      await page.locator("#ledger-user").fill("user-1");
      await expect.poll(() => page.locator("#ledger-user").inputValue()).toBe("user-1");
      await page.getByRole("button", { name: "Filter" }).click();
      await expect.poll(() => ledgerRows.count()).toBe(1);
      expect(await ledgerRows.first().textContent()).toContain("user-1");
      await expectFitsWidth(page, "ledger-filtered", width);
      if (width === 400) {
        // Per-item retry: RetryRevokeJob names the one account.
        const sent: string[] = [];
        page.on("request", (request) => {
          if (request.url().endsWith("/RetryRevokeJob")) sent.push(request.postData() ?? "");
        });
        await ledgerRows.filter({ hasText: "user-1" }).getByRole("button", { name: "Retry" }).click();
        await page.locator("#banner", { hasText: "Retry started for" }).waitFor();
        expect(sent.join("")).toContain(tenant.accountIds[1]!);
        await expect.poll(async () => (await jobs.getRevokeJob({ jobId })).job?.run).toBe(2);
        await page.getByRole("button", { name: "Cancel job" }).click();
        await page.locator("#job-status", { hasText: "CANCELLED" }).waitFor();
        const resume = page.getByRole("button", { name: "Resume cancelled items" });
        await expect.poll(() => resume.isDisabled()).toBe(false);
        await resume.click();
        await expect.poll(() => sent.some((body) => body.includes("includeCancelled"))).toBe(true);
        await expectFitsWidth(page, "ledger-resume", width);
      }
      expect(problems.filter((p) => !p.includes("FAILED_PRECONDITION"))).toEqual([]);
      await page.close();
    }
  }, 120_000);

  it("shows the executor pool", async () => {
    for (const width of WIDTHS) {
      const { page, problems } = await openDashboard(width, poolKey);
      await page.getByRole("link", { name: "Pool" }).click();
      await page.locator("#pool-counts", { hasText: "executors" }).waitFor();
      await expectFitsWidth(page, "pool", width);
      expect(problems).toEqual([]);
      await page.close();
    }
  }, 60_000);
});
