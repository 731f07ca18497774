import { AdminService } from "@warden/proto/admin/v1";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant } from "./jobs-test-fixtures.js";
import { connectClient } from "./test-clients.js";
import { CHROMIUM } from "./test-dashboard-browser.js";
import { startTestGateway, type TestGateway } from "./test-gateway.js";

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ label: "dashaudit" });
});

afterAll(async () => {
  await gateway?.close();
});

describe("the dashboard's audit page in a real browser (Debian's Chromium, headless)", () => {
  it("lists the org's audit events for an audit:read key and filters them by action", async () => {
    const tenant = await createTenant(gateway, "dash-audit", 2);
    const auditKey = (
      await connectClient(AdminService, gateway.url, gateway.adminKey).createApiKey({
        orgId: tenant.orgId,
        scopes: ["audit:read"],
      })
    ).apiKey;
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
      headless: true,
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(error.message));
      await page.goto(`${gateway.url}/#/audit`);
      await page.locator("#api-key").fill(auditKey);
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { name: "Audit log" }).waitFor();
      const rows = page.locator("tbody tr");
      // createTenant made two accounts, one auth config (all by this org's key).
      await rows.filter({ hasText: "CreateConnectedAccount" }).first().waitFor();
      await page
        .locator("#audit-filters input[name=action]")
        .fill("warden.accounts.v1.AccountsService/CreateConnectedAccount");
      await page.getByRole("button", { name: "Apply" }).click();
      await expect.poll(() => rows.count()).toBe(2);
      for (const text of await rows.allTextContents()) {
        expect(text).toContain("CreateConnectedAccount");
        expect(text).not.toContain(auditKey);
      }
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
