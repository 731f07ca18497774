// The dashboard's Sweeper page in headless Chromium, at 1280 px and 400 px,
// against a real gateway forwarding to a real sweeper process: the operator
// sees the tasks and runs one; any other key gets a banner. Screenshots when
// WARDEN_DASHBOARD_SCREENSHOTS=<dir> is set; no page may scroll sideways.
import { existsSync } from "node:fs";
import { AdminService } from "@warden/proto/admin/v1";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboard } from "../dashboard/build.js";
import { connectClient } from "./test-clients.js";
import { CHROMIUM, CHROMIUM_FLAGS, expectFitsWidth } from "./test-dashboard-browser.js";
import type { E2eStack, RunningService } from "./test-e2e-stack.js";
import { startGatewayWithSweeper, SWEEPER_TASKS } from "./test-sweeper-stack.js";

const WIDTHS = [1280, 400] as const;

let stack: E2eStack;
let gateway: RunningService;
let browser: Browser;
let tenantKey: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install -y chromium)`);
  await buildDashboard();
  ({ stack, gateway } = await startGatewayWithSweeper("dashsweep", "info"));
  const admin = connectClient(AdminService, gateway.url, stack.adminKey);
  const orgId = (await admin.createOrg({ name: "sweeper-page" })).org!.id;
  tenantKey = (await admin.createApiKey({ orgId, scopes: ["jobs:read", "jobs:write", "accounts:read"] }))
    .apiKey;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** The Sweeper page logged in with `key` at `width`; page errors are collected. */
async function openSweeperPage(width: number, key: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 800 } });
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  await page.goto(`${gateway.url}/#/sweeper`);
  await page.locator("#api-key").fill(key);
  await page.keyboard.press("Enter");
  await page.locator("#forget-key").waitFor();
  return { page, problems };
}

describe("dashboard: the Sweeper page", () => {
  it("shows every task with interval, last run, outcome and leader; Run now runs one and its last run moves", async () => {
    for (const width of WIDTHS) {
      const { page, problems } = await openSweeperPage(width, stack.adminKey);
      const rows = page.locator("tr[data-task]");
      await expect.poll(() => rows.count()).toBe(SWEEPER_TASKS.length);
      expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-task")))).toEqual(
        SWEEPER_TASKS,
      );
      expect(await page.locator("#sweeper-tasks th").allTextContents()).toEqual([
        "Task",
        "Interval",
        "Last run",
        "Last outcome",
        "Leader",
        "",
      ]);
      expect(await page.locator("a[data-nav=sweeper]").getAttribute("class")).toBe("active");
      const row = page.locator('tr[data-task="leases-expiry"]');
      expect(await row.locator("td").nth(1).textContent()).toBe("30 d");
      await expectFitsWidth(page, "sweeper", width);
      // The action is on screen, not behind a sideways scroll (rows stack into cards at 400 px).
      const button = await row.getByRole("button", { name: "Run now" }).boundingBox();
      expect(button!.x + button!.width).toBeLessThanOrEqual(width);

      const before = await row.getAttribute("data-last-run");
      await row.getByRole("button", { name: "Run now" }).click();
      await page.locator("#banner", { hasText: "leases-expiry ran: success" }).waitFor();
      // The page reloads from ListTasks: the row shows the new run.
      await expect.poll(() => row.getAttribute("data-last-run")).not.toBe(before);
      const lastRun = Number(await row.getAttribute("data-last-run"));
      expect(lastRun).toBeGreaterThan(Number(before || 0));
      expect(await row.locator("td.last-run").textContent()).not.toBe("–");
      expect(await row.locator(".badge").textContent()).toBe("success");
      await expectFitsWidth(page, "sweeper-ran", width);
      expect(problems).toEqual([]);
      await page.close();
    }
  }, 180_000);

  it("tells a tenant's API key, in the banner, that the page needs the operator key", async () => {
    for (const width of WIDTHS) {
      const { page, problems } = await openSweeperPage(width, tenantKey);
      await page.locator("#banner", { hasText: "PERMISSION_DENIED" }).waitFor();
      expect(await page.locator("#banner").textContent()).toContain(
        "needs the operator key (WARDEN_ADMIN_KEY)",
      );
      expect(await page.locator("tr[data-task]").count()).toBe(0);
      await expectFitsWidth(page, "sweeper-denied", width);
      // The browser logs the refused call's HTTP status; nothing else may show up.
      expect(problems.filter((p) => !p.includes("403"))).toEqual([]);
      await page.close();
    }
  }, 120_000);
});
