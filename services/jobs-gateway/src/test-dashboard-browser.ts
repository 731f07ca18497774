// Test support (not a test): drives the built dashboard in Debian's Chromium
// through playwright-core (no browser download), as an operator would.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { JobsService } from "@warden/proto/jobs/v1";
import { ScopeKind } from "@warden/proto/jobs/v1";
import { chromium, type Page } from "playwright-core";
import { expect } from "vitest";
import { createTenant, finishItems, planItems, publishJobEvent } from "./jobs-test-fixtures.js";
import { connectClient } from "./test-clients.js";
import type { TestGateway } from "./test-gateway.js";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Where screenshots go: WARDEN_DASHBOARD_SCREENSHOTS=<dir>; none when unset. */
const SCREENSHOTS = process.env.WARDEN_DASHBOARD_SCREENSHOTS;

/**
 * The check every dashboard page gets at each width it is shown at: nothing
 * scrolls sideways (a 400 px phone included). Keeps a full-page screenshot
 * named `<name>-<width>.png` when WARDEN_DASHBOARD_SCREENSHOTS is set.
 */
export async function expectFitsWidth(page: Page, name: string, width: number): Promise<void> {
  if (SCREENSHOTS) {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
  }
  const scrollWidth = (await page.evaluate("document.documentElement.scrollWidth")) as number;
  expect(scrollWidth, `${name} at ${width}px scrolls sideways`).toBeLessThanOrEqual(width);
}

/**
 * Logs in with a key, watches a job's row move live from the WatchRevokeJob
 * stream, opens its failed ledger, retries, checks the reconnect page and that
 * the key lives in sessionStorage only. Set WARDEN_DASHBOARD_SCREENSHOTS=<dir> to keep screenshots of each page.
 */
export async function runDashboardBrowserChecks(gateway: TestGateway): Promise<void> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium) to run the dashboard test`,
    );
  const tenant = await createTenant(gateway, "dashboard", 2);
  const jobs = connectClient(JobsService, gateway.url, tenant.orgKey);
  const jobId = (await jobs.createRevokeJob({ scope: { kind: ScopeKind.PROJECT, id: tenant.projectId } }))
    .job!.id;
  await planItems(gateway, jobId, 40, tenant.authConfigId);
  await finishItems(gateway, jobId, 10, "revoked");
  await gateway.deps.db
    .updateTable("connected_accounts")
    .set({ status: "needs_reconnect", status_reason: "invalid_grant" } as never)
    .where("id", "=", tenant.accountIds[0]!)
    .execute();

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()}`);
    });
    page.on("dialog", (dialog) => void dialog.accept());
    const screenshot = async (name: string) => {
      if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    };

    await page.goto(gateway.url);
    await page.locator("#api-key").fill("key_wrong.wrong");
    await page.keyboard.press("Enter");
    await page.locator("#banner", { hasText: "UNAUTHENTICATED" }).waitFor();
    await page.locator("#api-key").fill(tenant.orgKey);
    await page.keyboard.press("Enter");

    const row = page.locator(`tr[data-job="${jobId}"]`);
    await row.locator(".progress .label", { hasText: "10 / 40 · 25%" }).waitFor();
    await expect.poll(() => row.locator(".badge").textContent()).toBe("RUNNING");

    // Progress arrives over the open WatchRevokeJob stream: no reload.
    await finishItems(gateway, jobId, 20, "revoked");
    await publishJobEvent(gateway, jobId, "progress");
    await row.locator(".progress .label", { hasText: "30 / 40 · 75%" }).waitFor();
    await screenshot("jobs");
    await finishItems(gateway, jobId, 10, "failed", "invalid_token");
    await publishJobEvent(gateway, jobId, "completed");
    await row.locator(".badge", { hasText: "COMPLETED" }).waitFor();
    expect(await row.locator("td.num").allTextContents()).toEqual(["30", "10", "0", "0"]);

    // The job page: failed ledger (10 rows), retry enabled, cancel not.
    await row.locator("a").click();
    const ledgerRows = page.locator("table").last().locator("tbody tr");
    await expect.poll(() => ledgerRows.count()).toBe(10);
    expect(await ledgerRows.first().textContent()).toContain("invalid_token");
    await screenshot("job-ledger");
    const retry = page.getByRole("button", { name: "Retry failed items" });
    expect(await page.getByRole("button", { name: "Cancel job" }).isDisabled()).toBe(true);
    await retry.click();
    await page.locator("#banner", { hasText: `Retry started for ${jobId}` }).waitFor();
    await expect.poll(async () => (await jobs.getRevokeJob({ jobId })).job?.run).toBe(2);
    await page.getByRole("button", { name: "Cancel job" }).click();
    await page.locator("#job-status", { hasText: "CANCELLED" }).waitFor();

    await page.getByRole("link", { name: "Needs reconnect" }).click();
    const account = page.locator("tbody tr", { hasText: tenant.accountIds[0]! });
    await account.waitFor();
    expect(await account.textContent()).toContain("invalid_grant");
    expect(await page.locator("tbody tr").count()).toBe(1);
    await screenshot("needs-reconnect");

    expect(await page.evaluate("sessionStorage.getItem('warden.apiKey')")).toBe(tenant.orgKey);
    expect(await page.evaluate("localStorage.length")).toBe(0);
    expect(await page.evaluate("document.cookie")).toBe("");
    expect(page.url()).not.toContain(tenant.orgKey);
    await page.locator("#forget-key").click();
    await page.locator("#api-key").waitFor();
    expect(await page.evaluate("sessionStorage.getItem('warden.apiKey')")).toBeNull();
    // The first, rejected key shows up as a 401 in the console; nothing else may.
    expect(problems.filter((p) => !p.includes("401"))).toEqual([]);
  } finally {
    await browser.close();
  }
}
