import { clientSecretAssociatedData, sealAccountTokens } from "@warden/crypto";
import type { RevokeMethodColumn } from "@warden/db";
import { newId } from "@warden/ids";
import { DIALECT_PATHS, startMockProvider, type MockProvider, type SeedTokens } from "@warden/mock-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCountsAddUp, insertJob, publishPlan, waitForJobStatus } from "./test-fixtures.js";
import { openTestStack, startTestExecutor, type TestExecutor, type TestStack } from "./test-stack.js";

let stack: TestStack;
let provider: MockProvider;
let executor: TestExecutor;

beforeAll(async () => {
  stack = await openTestStack("rdialect");
  provider = await startMockProvider({ seed: 21 });
  executor = await startTestExecutor(stack, { retryBaseMs: 100, maxAttempts: 15 });
});

afterAll(async () => {
  await executor?.stop();
  await provider?.close();
  await stack?.close();
});

interface DialectGroup {
  label: string;
  provider: string | null;
  revokeMethod: RevokeMethodColumn;
  revokeUrl: () => string | null;
  /** Which of the account's tokens the dialect presents. */
  presents: "access_token" | "refresh_token" | null;
  authConfigId?: string;
  accounts?: { id: string; tokens: SeedTokens }[];
}

const PER_DIALECT = 100;

const GROUPS: DialectGroup[] = [
  {
    label: "rfc7009",
    provider: "zoom",
    revokeMethod: "rfc7009",
    revokeUrl: () => provider.revokeUrl,
    presents: "refresh_token",
  },
  {
    label: "slack",
    provider: "slack",
    revokeMethod: "slack",
    revokeUrl: () => provider.url + DIALECT_PATHS.slack.revoke,
    presents: "access_token",
  },
  {
    label: "github",
    provider: "github",
    revokeMethod: "github",
    // As the gateway stores it: normalised, braces percent-encoded.
    revokeUrl: () => new URL(provider.url + DIALECT_PATHS.github.revoke).toString(),
    presents: "access_token",
  },
  {
    label: "dropbox",
    provider: "dropbox",
    revokeMethod: "bearer",
    revokeUrl: () => provider.url + DIALECT_PATHS.dropbox.revoke,
    presents: "access_token",
  },
  {
    label: "hubspot",
    provider: "hubspot",
    revokeMethod: "delete_by_path",
    revokeUrl: () => provider.url + "/hubspot/oauth/v1/refresh-tokens",
    presents: "refresh_token",
  },
  { label: "microsoft", provider: "microsoft", revokeMethod: "none", revokeUrl: () => null, presents: null },
];

async function seedGroups(orgId: string, projectId: string): Promise<void> {
  const { db } = stack.database;
  for (const group of GROUPS) {
    const authConfigId = newId("authConfig");
    const sealedSecret = stack.keyring.seal(provider.clientSecret, clientSecretAssociatedData(authConfigId));
    await db
      .insertInto("auth_configs")
      .values({
        id: authConfigId,
        org_id: orgId,
        project_id: projectId,
        name: group.label,
        token_url: provider.tokenUrl,
        revoke_url: group.revokeUrl(),
        client_id: provider.clientId,
        client_secret_ciphertext: sealedSecret.ciphertext,
        client_secret_key_id: sealedSecret.keyId,
        client_auth: "post",
        response_style: group.revokeMethod === "slack" ? "slack" : "rfc6749",
        default_scopes: [],
        provider: group.provider,
        revoke_method: group.revokeMethod,
        updated_at: new Date(),
        deleted_at: null,
      })
      .execute();
    group.authConfigId = authConfigId;
    group.accounts = [];
    const rows = [];
    for (let i = 0; i < PER_DIALECT; i++) {
      const tokens = provider.issueTokens({ subject: `${group.label}-${i}` });
      const account = { id: newId("account"), tokens };
      group.accounts.push(account);
      const externalUserId = `${group.label}-user-${i}`;
      const sealed = sealAccountTokens(
        stack.keyring,
        { authConfigId, externalUserId },
        { access: tokens.access_token, refresh: tokens.refresh_token },
      );
      rows.push({
        id: account.id,
        org_id: orgId,
        project_id: projectId,
        auth_config_id: authConfigId,
        external_user_id: externalUserId,
        status: "active" as const,
        status_reason: null,
        status_changed_at: new Date(),
        access_token_ciphertext: sealed.access,
        refresh_token_ciphertext: sealed.refresh,
        token_key_id: sealed.keyId,
        expires_at: new Date(Date.now() + 3_600_000),
        last_refreshed_at: null,
        revoked_upstream_at: null,
        updated_at: new Date(),
        deleted_at: null,
      });
    }
    await db.insertInto("connected_accounts").values(rows).execute();
  }
}

describe("revoke dialects end to end", () => {
  it("a 600-account project over six dialects revokes every account exactly once; the no-revoke provider's items are SKIPPED naming it", async () => {
    provider.reset();
    const { db } = stack.database;
    const orgId = newId("org");
    const projectId = newId("project");
    await db.insertInto("orgs").values({ id: orgId, name: "org" }).execute();
    await db
      .insertInto("projects")
      .values({ id: projectId, org_id: orgId, name: "p", deleted_at: null })
      .execute();
    await seedGroups(orgId, projectId);

    const jobId = await insertJob(db, { kind: "project", id: projectId, orgId, projectId });
    await publishPlan(stack.bus, stack.namespace, jobId, 1);
    await waitForJobStatus(db, jobId, "completed", 120_000);
    const job = await expectCountsAddUp(db, jobId);
    expect(job).toMatchObject({ total: 600, revoked: 500, skipped: 100, failed: 0 });

    // The mock's own counters, per dialect: every call reached the route its dialect speaks.
    expect(provider.counters.revokeSuccesses).toBe(PER_DIALECT);
    const byDialect = provider.counters.byDialect;
    expect(byDialect.slack).toMatchObject({ revokeCalls: PER_DIALECT, revocations: PER_DIALECT });
    expect(byDialect.github).toMatchObject({ revokeCalls: PER_DIALECT, revocations: PER_DIALECT });
    expect(byDialect.dropbox).toMatchObject({ revokeCalls: PER_DIALECT, revocations: PER_DIALECT });
    expect(byDialect.hubspot).toMatchObject({ revokeCalls: PER_DIALECT, revocations: PER_DIALECT });
    expect(byDialect.google.revokeCalls).toBe(0);

    // Exactly once per account, with the token its dialect presents.
    for (const group of GROUPS) {
      for (const account of group.accounts!) {
        if (group.presents === null) {
          expect(provider.revokeCount(account.tokens.access_token)).toBe(0);
          expect(provider.revokeCount(account.tokens.refresh_token)).toBe(0);
        } else {
          const token = account.tokens[group.presents];
          expect({ group: group.label, calls: provider.counters.revokeCallsByToken.get(token) }).toEqual({
            group: group.label,
            calls: 1,
          });
          expect(provider.revokeCount(token)).toBe(1);
        }
      }
    }
    expect(provider.revokedTokens()).toHaveLength(500);

    const microsoft = GROUPS.find((g) => g.label === "microsoft")!;
    const skipped = await db
      .selectFrom("revoke_items")
      .select(["status", "error_code", "error_message", "wiped_locally"])
      .where("job_id", "=", jobId)
      .where("auth_config_id", "=", microsoft.authConfigId!)
      .execute();
    expect(skipped).toHaveLength(PER_DIALECT);
    for (const item of skipped) {
      expect(item).toMatchObject({
        status: "skipped",
        error_code: "revoke_unsupported",
        wiped_locally: true,
      });
      expect(item.error_message).toContain("Microsoft");
    }
    const holdingTokens = await db
      .selectFrom("connected_accounts")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("project_id", "=", projectId)
      .where((eb) =>
        eb.or([
          eb("access_token_ciphertext", "is not", null),
          eb("refresh_token_ciphertext", "is not", null),
        ]),
      )
      .executeTakeFirstOrThrow();
    expect(Number(holdingTokens.n)).toBe(0);

    const log = executor.logLines.join("");
    expect(log).not.toContain(provider.clientSecret);
    for (const group of GROUPS) {
      for (const account of group.accounts!.slice(0, 10)) {
        expect(log).not.toContain(account.tokens.access_token);
        expect(log).not.toContain(account.tokens.refresh_token);
      }
    }
  });
});
