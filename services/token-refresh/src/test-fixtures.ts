// Test support (not a test): tenants, accounts, API keys and leases written
// straight into the namespace's tables, the way the gateway writes them.
import {
  clientSecretAssociatedData,
  hashSecretToken,
  newSecretToken,
  sealAccountTokens,
  type Keyring,
} from "@warden/crypto";
import type { Database } from "@warden/db";
import { newId } from "@warden/ids";
import { accountRefreshFailureKey, type Redis } from "@warden/redis";
import { sql, type Kysely } from "kysely";

export interface TestTenant {
  orgId: string;
  projectId: string;
  authConfigId: string;
  /** An API key with tokens:read in this project. */
  apiKey: string;
}

export interface TestProviderClient {
  tokenUrl: string;
  clientId: string;
  clientSecret: string | null;
  clientAuth?: "basic" | "post";
  responseStyle?: "rfc6749" | "slack";
}

/** Creates org, project, auth config and a tokens:read key. */
export async function seedTenant(
  db: Kysely<Database>,
  keyring: Keyring,
  client: TestProviderClient,
): Promise<TestTenant> {
  const orgId = newId("org");
  const projectId = newId("project");
  const authConfigId = newId("authConfig");
  const apiKey = newSecretToken("wdn");
  await db.insertInto("orgs").values({ id: orgId, name: "org" }).execute();
  await db.insertInto("projects").values({ id: projectId, org_id: orgId, name: "prj" }).execute();
  const secret =
    client.clientSecret === null
      ? null
      : keyring.seal(client.clientSecret, clientSecretAssociatedData(authConfigId));
  await db
    .insertInto("auth_configs")
    .values({
      id: authConfigId,
      org_id: orgId,
      project_id: projectId,
      name: "provider",
      token_url: client.tokenUrl,
      client_id: client.clientId,
      client_secret_ciphertext: secret?.ciphertext ?? null,
      client_secret_key_id: secret?.keyId ?? null,
      client_auth: client.clientAuth ?? "basic",
      response_style: client.responseStyle ?? "rfc6749",
      default_scopes: [],
      updated_at: new Date(),
      deleted_at: null,
    })
    .execute();
  await db
    .insertInto("api_keys")
    .values({
      id: newId("apiKey"),
      org_id: orgId,
      project_id: projectId,
      scopes: ["tokens:read"],
      key_hash: hashSecretToken(apiKey),
    })
    .execute();
  return { orgId, projectId, authConfigId, apiKey };
}

/** Adds an API key to the tenant's org with the given scopes (no project binding). */
export async function seedApiKey(db: Kysely<Database>, orgId: string, scopes: string[]): Promise<string> {
  const apiKey = newSecretToken("wdn");
  await db
    .insertInto("api_keys")
    .values({
      id: newId("apiKey"),
      org_id: orgId,
      project_id: null,
      scopes,
      key_hash: hashSecretToken(apiKey),
    })
    .execute();
  return apiKey;
}

/** Stores one ACTIVE account with sealed tokens; returns its id. */
export async function seedAccount(
  db: Kysely<Database>,
  keyring: Keyring,
  tenant: TestTenant,
  tokens: { access: string; refresh: string | null; expiresAt: Date | null },
): Promise<string> {
  const id = newId("account");
  const externalUserId = `user-${id}`;
  const sealed = sealAccountTokens(keyring, { authConfigId: tenant.authConfigId, externalUserId }, tokens);
  await db
    .insertInto("connected_accounts")
    .values({
      id,
      org_id: tenant.orgId,
      project_id: tenant.projectId,
      auth_config_id: tenant.authConfigId,
      external_user_id: externalUserId,
      status: "active",
      status_reason: null,
      access_token_ciphertext: sealed.access,
      refresh_token_ciphertext: sealed.refresh,
      token_key_id: sealed.keyId,
      expires_at: tokens.expiresAt,
      last_refreshed_at: null,
      revoked_upstream_at: null,
      updated_at: new Date(),
      deleted_at: null,
    })
    .execute();
  return id;
}

/** Checks out an active lease on the account; returns its id and (plaintext, shown once) token. */
export async function seedLease(
  db: Kysely<Database>,
  tenant: TestTenant,
  accountId: string,
): Promise<{ leaseId: string; leaseToken: string }> {
  const leaseId = newId("lease");
  const leaseToken = newSecretToken("wls");
  await db
    .insertInto("leases")
    .values({
      id: leaseId,
      org_id: tenant.orgId,
      project_id: tenant.projectId,
      account_id: accountId,
      holder: `holder-${leaseId}`,
      status: "active",
      token_hash: hashSecretToken(leaseToken),
      expires_at: new Date(Date.now() + 3_600_000),
      ended_at: null,
    })
    .execute();
  return { leaseId, leaseToken };
}

/**
 * ReconnectAccount as the gateway performs it: new sealed tokens, ACTIVE,
 * token_version + 1, then (unless `keepCachedFailure`) the cached failure deleted.
 */
export async function reconnectLikeGateway(
  db: Kysely<Database>,
  redis: Redis,
  keyring: Keyring,
  accountId: string,
  tokens: { access: string; refresh: string | null; expiresAt: Date | null },
  options: { keepCachedFailure?: boolean } = {},
): Promise<void> {
  const row = await db
    .selectFrom("connected_accounts")
    .select(["auth_config_id", "external_user_id"])
    .where("id", "=", accountId)
    .executeTakeFirstOrThrow();
  const sealed = sealAccountTokens(
    keyring,
    { authConfigId: row.auth_config_id, externalUserId: row.external_user_id },
    tokens,
  );
  const now = new Date();
  await db
    .updateTable("connected_accounts")
    .set({
      access_token_ciphertext: sealed.access,
      refresh_token_ciphertext: sealed.refresh,
      token_key_id: sealed.keyId,
      expires_at: tokens.expiresAt,
      status: "active",
      status_reason: null,
      status_changed_at: now,
      updated_at: now,
      revoked_upstream_at: null,
      token_version: sql<number>`token_version + 1`,
    })
    .where("id", "=", accountId)
    .execute();
  if (!options.keepCachedFailure) await redis.del(accountRefreshFailureKey(accountId));
}
