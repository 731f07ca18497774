import { Code, ConnectError } from "@connectrpc/connect";
import { hashSecretToken } from "@warden/crypto";
import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { waitFor } from "@warden/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedAccount, seedApiKey, seedLease, seedTenant, type TestTenant } from "./test-fixtures.js";
import {
  openTestInfrastructure,
  startTestTokenRefresh,
  tokensClient,
  type TestInfrastructure,
  type TestTokenRefresh,
} from "./test-token-refresh.js";

let infra: TestInfrastructure;
let provider: MockProvider;
let service: TestTokenRefresh;
let tenant: TestTenant;
const secrets: string[] = [];

const auditRows = () => infra.database.db.selectFrom("audit_events").selectAll().execute();
const keyIdOf = async (secret: string) =>
  (
    await infra.database.db
      .selectFrom("api_keys")
      .select("id")
      .where("key_hash", "=", hashSecretToken(secret))
      .executeTakeFirstOrThrow()
  ).id;

beforeAll(async () => {
  infra = await openTestInfrastructure("tokens_audit");
  provider = await startMockProvider({ clientSecret: "mock-client-secret-audit-41c" });
  service = await startTestTokenRefresh(infra);
  tenant = await seedTenant(infra.database.db, infra.keyring, provider);
  secrets.push(provider.clientSecret, tenant.apiKey);
});

afterAll(async () => {
  await service?.close();
  await provider?.close();
  await infra?.close();
});

describe("token reads are audited", () => {
  it("each GetAccessToken and RefreshAccessToken leaves one row naming the key or lease and the account, never the token", async () => {
    const seed = provider.issueTokens();
    secrets.push(seed.access_token, seed.refresh_token);
    const accountId = await seedAccount(infra.database.db, infra.keyring, tenant, {
      access: seed.access_token,
      refresh: seed.refresh_token,
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    const { leaseId, leaseToken } = await seedLease(infra.database.db, tenant, accountId);
    secrets.push(leaseToken);

    const byKey = tokensClient(service.url, tenant.apiKey);
    const got = await byKey.getAccessToken({ accountId });
    const refreshed = await byKey.refreshAccessToken({ accountId });
    const byLease = await tokensClient(service.url, leaseToken).getAccessToken({ accountId });
    secrets.push(got.accessToken, refreshed.accessToken, byLease.accessToken);

    // Fail closed: each row was written before its answer was released.
    const rows = await auditRows();
    const keyId = await keyIdOf(tenant.apiKey);
    expect(rows.map((r) => [r.action, r.actor_kind, r.actor_id, r.outcome]).sort()).toEqual(
      [
        ["warden.tokens.v1.TokensService/GetAccessToken", "api_key", keyId, "ok"],
        ["warden.tokens.v1.TokensService/RefreshAccessToken", "api_key", keyId, "ok"],
        ["warden.tokens.v1.TokensService/GetAccessToken", "lease", leaseId, "ok"],
      ].sort(),
    );
    for (const row of rows) {
      expect(row.object_ids).toContain(accountId);
      expect(row.org_id).toBe(tenant.orgId);
    }
  });

  it("a refused token read leaves one row: anonymous for an unknown credential, the key for a missing scope", async () => {
    const before = (await auditRows()).length;
    const accountId = await seedAccount(infra.database.db, infra.keyring, tenant, {
      access: "at-audit-unused",
      refresh: null,
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    const bogus = `wdn_${"q".repeat(43)}`;
    const noScope = await seedApiKey(infra.database.db, tenant.orgId, ["jobs:read"]);
    secrets.push(bogus, noScope, "at-audit-unused");
    for (const [credential, code] of [
      [bogus, Code.Unauthenticated],
      [noScope, Code.PermissionDenied],
    ] as const) {
      const error = await tokensClient(service.url, credential)
        .getAccessToken({ accountId })
        .catch(ConnectError.from);
      expect((error as ConnectError).code).toBe(code);
    }
    await waitFor(async () => (await auditRows()).length === before + 2, { message: "two refusal rows" });
    const refused = (await auditRows()).filter((r) => r.outcome !== "ok");
    const noScopeId = await keyIdOf(noScope);
    expect(refused.map((r) => [r.actor_kind, r.actor_id, r.outcome]).sort()).toEqual(
      [
        ["anonymous", null, "unauthenticated"],
        ["api_key", noScopeId, "permission_denied"],
      ].sort(),
    );
    for (const row of refused) expect(row.client_address).toMatch(/127\.0\.0\.1/);
  });

  it("no secret used in this file is in the audit table", async () => {
    const dump = await sql<{ row: string }>`select row_to_json(a)::text as row from audit_events a`.execute(
      infra.database.db,
    );
    const text = dump.rows.map((r) => r.row).join("\n");
    expect(secrets.filter((s) => text.includes(s))).toEqual([]);
  });
});
