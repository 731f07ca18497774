import { existsSync } from "node:fs";
import { AdminService } from "@warden/proto/admin/v1";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM } from "./test-dashboard-browser.js";
import { connectClient } from "./test-clients.js";
import { startTestGateway, type TestGateway } from "./test-gateway.js";

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ label: "dashprov" });
});

afterAll(async () => {
  await gateway?.close();
});

describe("dashboard providers page", () => {
  it("lists the catalog read-only, each revoke method linking to its documentation", async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    const admin = connectClient(AdminService, gateway.url, gateway.adminKey);
    const orgId = (await admin.createOrg({ name: "A" })).org!.id;
    const { apiKey } = await admin.createApiKey({ orgId, scopes: ["accounts:read"] });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu"],
      headless: true,
    });
    try {
      const page = await browser.newPage();
      await page.goto(gateway.url);
      await page.locator("#api-key").fill(apiKey);
      await page.keyboard.press("Enter");
      await page.getByRole("link", { name: "Providers" }).click();
      const github = page.locator('tr[data-provider="github"]');
      await github.waitFor();
      expect(await github.locator("a").getAttribute("href")).toMatch(/^https:\/\/docs\.github\.com\//);
      expect(await github.locator("a").textContent()).toBe("GitHub grant delete");
      expect(await page.locator("tr[data-provider]").count()).toBeGreaterThanOrEqual(15);
      expect(await page.locator('tr[data-provider="microsoft"] a').textContent()).toBe("cannot revoke");
    } finally {
      await browser.close();
    }
  });
});
