import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { accountTokenAssociatedData } from "@warden/crypto";
import { AccountsService, AccountStatus, ClientAuth } from "@warden/proto/accounts/v1";
import { AdminService } from "@warden/proto/admin/v1";
import { ConnectService, ConnectSessionStatus } from "@warden/proto/connect/v1";
import { sql } from "kysely";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient } from "./test-clients.js";
import { CHROMIUM, CHROMIUM_FLAGS } from "./test-dashboard-browser.js";
import { startTestGateway, type TestGateway } from "./test-gateway.js";
import { startTestOidcProvider, type TestOidcProvider } from "./test-oidc-provider.js";

// The connect flow end to end as a user lives it: headless Chromium follows the
// authorize URL to a real authorization server (oidc-provider, PKCE required),
// signs in on its login page, approves on its consent page, and lands back on
// the application through the gateway's /oauth/callback.

let gateway: TestGateway;
let oidc: TestOidcProvider;
let browser: Browser;
let connect: ReturnType<typeof connectClient<typeof ConnectService>>;
let accounts: ReturnType<typeof connectClient<typeof AccountsService>>;
let authConfigId: string;
let operatorKey: string;
const shots = process.env.WARDEN_DASHBOARD_SCREENSHOTS;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  gateway = await startTestGateway({ label: "connectui" });
  oidc = await startTestOidcProvider(`${gateway.url}/oauth/callback`);
  const admin = connectClient(AdminService, gateway.url, gateway.adminKey);
  const { org } = await admin.createOrg({ name: "Acme" });
  const { project } = await admin.createProject({ orgId: org!.id, name: "prod" });
  const { apiKey } = await admin.createApiKey({
    orgId: org!.id,
    projectId: project!.id,
    // jobs:read too: the dashboard opens on the jobs page.
    scopes: ["accounts:read", "accounts:write", "jobs:read"],
  });
  operatorKey = apiKey;
  connect = connectClient(ConnectService, gateway.url, apiKey);
  accounts = connectClient(AccountsService, gateway.url, apiKey);
  const { authConfig } = await accounts.createAuthConfig({
    name: "oidc",
    tokenUrl: oidc.tokenUrl,
    revokeUrl: oidc.revokeUrl,
    clientId: oidc.clientId,
    clientSecret: oidc.clientSecret,
    clientAuth: ClientAuth.BASIC,
    defaultScopes: ["openid", "offline_access"],
  });
  authConfigId = authConfig!.id;
  // offline_access (a refresh token) needs an explicit consent prompt (OpenID Connect Core §11).
  await sql`update auth_configs set authorize_url = ${oidc.authorizeUrl}, authorize_params = ${JSON.stringify({ prompt: "consent" })}::jsonb where id = ${authConfigId}`.execute(
    gateway.deps.db,
  );
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
  if (shots) mkdirSync(shots, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await oidc?.close();
  await gateway?.close();
});

async function screenshot(page: Page, name: string) {
  if (shots) await page.screenshot({ path: join(shots, `connect-${name}.png`), fullPage: true });
}

/** Runs one connect session in the browser: login (when asked) and consent, back to return_url. */
async function connectInBrowser(page: Page, externalUserId: string) {
  const returnUrl = `${gateway.url}/?connected=${externalUserId}`;
  const session = await connect.createConnectSession({ authConfigId, externalUserId, scopes: [], returnUrl });
  return {
    sessionId: session.sessionId,
    ...(await consentAt(page, session.authorizeUrl, returnUrl, externalUserId)),
  };
}

/** Follows an authorize URL through the provider's login (when asked) and consent pages, back to `returnUrl`. */
async function consentAt(page: Page, authorizeUrl: string, returnUrl: string, externalUserId: string) {
  await page.goto(authorizeUrl, { waitUntil: "domcontentloaded" });
  const landed = page.waitForURL((url) => url.toString().startsWith(returnUrl), {
    waitUntil: "commit",
    timeout: 60_000,
  });
  const login = page.locator('input[name="login"]');
  if (await login.isVisible()) {
    await screenshot(page, "login");
    await login.fill(externalUserId);
    await page.locator('input[name="password"]').fill("any password");
    await page.locator('button[type="submit"]').click();
  }
  await page.locator('button:has-text("Continue")').waitFor({ timeout: 60_000 });
  await screenshot(page, "consent");
  await page.locator('button:has-text("Continue")').click();
  await landed;
  return { landedAt: new URL(page.url()) };
}

async function storedTokens(accountId: string, externalUserId: string) {
  const row = await gateway.deps.db
    .selectFrom("connected_accounts")
    .selectAll()
    .where("id", "=", accountId)
    .executeTakeFirstOrThrow();
  const open = (which: "access" | "refresh", ciphertext: Buffer) =>
    gateway.deps.keyring.open(
      { ciphertext, keyId: row.token_key_id! },
      accountTokenAssociatedData(authConfigId, externalUserId, which),
    );
  return {
    access: open("access", row.access_token_ciphertext!),
    refresh: open("refresh", row.refresh_token_ciphertext!),
  };
}

describe("the connect flow in a browser against a real OAuth server (oidc-provider)", () => {
  it("signs in, consents, creates the account ACTIVE with working tokens, and reconnects it after NEEDS_RECONNECT", async () => {
    const page = await browser.newPage();
    try {
      const first = await connectInBrowser(page, "alice");
      expect(first.landedAt.searchParams.get("status")).toBe("connected");
      const accountId = first.landedAt.searchParams.get("account_id")!;
      expect(await connect.getConnectSession({ sessionId: first.sessionId })).toMatchObject({
        status: ConnectSessionStatus.CONNECTED,
        accountId,
        reconnected: false,
      });
      expect((await accounts.getConnectedAccount({ accountId })).account?.status).toBe(AccountStatus.ACTIVE);
      const tokens = await storedTokens(accountId, "alice");
      expect(await oidc.isActive(tokens.access)).toBe(true);
      expect(await oidc.isActive(tokens.refresh)).toBe(true);

      await sql`update connected_accounts set status = 'needs_reconnect', status_reason = 'invalid_grant' where id = ${accountId}`.execute(
        gateway.deps.db,
      );
      // The operator takes the reconnect link from the dashboard's needs-reconnect page.
      await page.goto(gateway.url);
      await page.locator("#api-key").fill(operatorKey);
      await page.keyboard.press("Enter");
      await page.getByRole("link", { name: "Needs reconnect" }).click();
      const row = page.locator("tbody tr", { hasText: accountId });
      await row.getByRole("button", { name: "Reconnect link" }).click();
      const link = row.locator("input.reconnect-link");
      await link.waitFor();
      await screenshot(page, "dashboard-reconnect-link");
      const authorizeUrl = await link.inputValue();
      const second = await consentAt(page, authorizeUrl, `${gateway.url}/?`, "alice");
      expect(second.landedAt.searchParams.get("account_id")).toBe(accountId);
      const sessionId = second.landedAt.searchParams.get("connect_session")!;
      expect(await connect.getConnectSession({ sessionId })).toMatchObject({
        status: ConnectSessionStatus.CONNECTED,
        reconnected: true,
      });
      const { account } = await accounts.getConnectedAccount({ accountId });
      expect(account).toMatchObject({ status: AccountStatus.ACTIVE, statusReason: "" });
      const renewed = await storedTokens(accountId, "alice");
      expect(renewed.access).not.toBe(tokens.access);
      expect(await oidc.isActive(renewed.access)).toBe(true);
    } finally {
      await page.close();
    }
  });

  it("a replayed, an expired and a foreign state each show an error page and write nothing", async () => {
    const page = await browser.newPage();
    try {
      const digest = async () =>
        (
          await sql<{ d: string }>`
            select md5(coalesce((select string_agg(t::text, ',' order by id) from connected_accounts t), '') ||
                       coalesce((select string_agg(t::text, ',' order by id) from connect_sessions t), '')) as d
          `.execute(gateway.deps.db)
        ).rows[0]!.d;

      // Replayed: the callback URL the provider sent the browser to, opened a second time.
      const returnUrl = `${gateway.url}/?connected=bob`;
      const replayed = await connect.createConnectSession({
        authConfigId,
        externalUserId: "bob",
        scopes: [],
        returnUrl,
      });
      const callbacks: string[] = [];
      page.on("request", (request) => {
        if (request.url().startsWith(`${gateway.url}/oauth/callback`)) callbacks.push(request.url());
      });
      await page.goto(replayed.authorizeUrl, { waitUntil: "domcontentloaded" });
      const landed = page.waitForURL((url) => url.toString().startsWith(returnUrl), { waitUntil: "commit" });
      const login = page.locator('input[name="login"]');
      if (await login.isVisible()) {
        await login.fill("bob");
        await page.locator('input[name="password"]').fill("any password");
        await page.locator('button[type="submit"]').click();
      }
      await page.locator('button:has-text("Continue")').click();
      await landed;

      const expired = await connect.createConnectSession({
        authConfigId,
        externalUserId: "carol",
        scopes: [],
        returnUrl,
      });
      await sql`update connect_sessions set expires_at = now() - interval '1 second' where id = ${expired.sessionId}`.execute(
        gateway.deps.db,
      );
      const expiredState = new URL(expired.authorizeUrl).searchParams.get("state")!;

      const before = await digest();
      const cases = [
        ["replayed", callbacks[0]!, "already been used"],
        ["expired", `${gateway.url}/oauth/callback?state=${expiredState}&code=abc`, "expired"],
        ["foreign", `${gateway.url}/oauth/callback?state=not-ours&code=abc`, "not issued here"],
      ] as const;
      for (const [name, url, text] of cases) {
        const response = await page.goto(url);
        expect(response?.status()).toBe(400);
        expect(await page.locator("body").innerText()).toContain(text);
        await screenshot(page, `refused-${name}`);
      }
      expect(await digest()).toBe(before);
    } finally {
      await page.close();
    }
  });
});
