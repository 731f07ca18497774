import { randomBytes } from "node:crypto";
import {
  clientSecretAssociatedData,
  connectVerifierAssociatedData,
  Keyring,
  openAccountToken,
  sealAccountTokens,
} from "@warden/crypto";
import { newId } from "@warden/ids";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestInfrastructure, type TestInfrastructure } from "../test-infrastructure.js";
import { createSecretsResealTask, SEALED_SECRETS_METRIC, sealedPerKey } from "./secrets-reseal.js";
import { runContext, seedAccount, seedTenant } from "./test-fixtures.js";

let infra: TestInfrastructure;
const oldKey = { id: "old", key: randomBytes(32) };
const newKey = { id: "new", key: randomBytes(32) };
const before = new Keyring([oldKey]);
const rotated = new Keyring([newKey, oldKey]);

beforeAll(async () => {
  infra = await openTestInfrastructure("reseal");
});
afterAll(async () => {
  await infra?.close();
});

/** Seeds an account whose tokens are really sealed with `keyring`, returning its id and plaintexts. */
async function sealedAccount(tenant: Awaited<ReturnType<typeof seedTenant>>, keyring: Keyring, n: number) {
  const db = infra.database.db;
  const id = await seedAccount(db, tenant);
  const binding = { authConfigId: tenant.authConfigId, externalUserId: id };
  const tokens = { access: `access-${n}-${id}`, refresh: n % 3 === 0 ? null : `refresh-${n}-${id}` };
  const sealed = sealAccountTokens(keyring, binding, tokens);
  await db
    .updateTable("connected_accounts")
    .set({
      access_token_ciphertext: sealed.access,
      refresh_token_ciphertext: sealed.refresh,
      token_key_id: sealed.keyId,
    })
    .where("id", "=", id)
    .execute();
  return { id, binding, tokens };
}

async function sealClientSecret(authConfigId: string, keyring: Keyring, secret: string) {
  const sealed = keyring.seal(secret, clientSecretAssociatedData(authConfigId));
  await infra.database.db
    .updateTable("auth_configs")
    .set({ client_secret_ciphertext: sealed.ciphertext, client_secret_key_id: sealed.keyId })
    .where("id", "=", authConfigId)
    .execute();
}

/** A pending connect session whose PKCE verifier is sealed with `keyring`. */
async function pendingConnectSession(tenant: Awaited<ReturnType<typeof seedTenant>>, keyring: Keyring) {
  const id = newId("connectSession");
  const verifier = `verifier-${randomBytes(16).toString("hex")}`;
  const sealed = keyring.seal(verifier, connectVerifierAssociatedData(id));
  await infra.database.db
    .insertInto("connect_sessions")
    .values({
      id,
      org_id: tenant.orgId,
      project_id: tenant.projectId,
      auth_config_id: tenant.authConfigId,
      external_user_id: `user-${id}`,
      scopes: [],
      return_url: "",
      redirect_uri: "http://127.0.0.1:7070/oauth/callback",
      state_hash: randomBytes(32).toString("hex"),
      code_verifier_ciphertext: sealed.ciphertext,
      code_verifier_key_id: sealed.keyId,
      status: "pending",
      account_id: null,
      error_code: null,
      expires_at: new Date(Date.now() + 600_000),
      finished_at: null,
    })
    .execute();
  return { id, verifier };
}

describe("secrets-reseal", () => {
  it("re-seals a pending connect session's PKCE verifier too, so the old key can go while a user is mid-consent", async () => {
    const db = infra.database.db;
    const tenant = await seedTenant(db);
    const session = await pendingConnectSession(tenant, before);
    const oldBefore = (await sealedPerKey(db)).old ?? 0;
    expect(oldBefore).toBeGreaterThanOrEqual(1);

    const outcome = await createSecretsResealTask({ db, keyring: rotated }, { intervalMs: 60_000 }).run(
      runContext(infra, "verifiers"),
    );
    expect(outcome).toMatchObject({ resealed_connect_verifiers: 1 });
    expect(outcome).not.toHaveProperty("remaining_old");
    const row = await db
      .selectFrom("connect_sessions")
      .selectAll()
      .where("id", "=", session.id)
      .executeTakeFirstOrThrow();
    expect(row.code_verifier_key_id).toBe("new");
    const opened = new Keyring([newKey]).open(
      { ciphertext: row.code_verifier_ciphertext!, keyId: row.code_verifier_key_id! },
      connectVerifierAssociatedData(session.id),
    );
    expect(opened).toBe(session.verifier);
    // The next tests count every ciphertext of the namespace: leave none of this one's.
    await db.deleteFrom("connect_sessions").where("id", "=", session.id).execute();
  });

  it("re-seals every token and client secret under the first key, leaving 0 under the old one, all still opening", async () => {
    const db = infra.database.db;
    const tenant = await seedTenant(db);
    await sealClientSecret(tenant.authConfigId, before, "client-secret-plain");
    const accounts = [];
    for (let n = 0; n < 12; n++) accounts.push(await sealedAccount(tenant, before, n));
    expect((await sealedPerKey(db)).old).toBe(13);

    const registry = new Registry();
    const task = createSecretsResealTask({ db, keyring: rotated, registry }, { intervalMs: 60_000 });
    const outcome = await task.run(runContext(infra, "r1"));

    expect(outcome).toMatchObject({ resealed_accounts: 12, resealed_client_secrets: 1, remaining_new: 13 });
    expect(outcome).not.toHaveProperty("remaining_old");
    expect((await sealedPerKey(db)).old).toBeUndefined();
    expect(await registry.getSingleMetricAsString(SEALED_SECRETS_METRIC)).toContain('key_id="new"} 13');

    // Only the new key is needed now: drop the old one and open everything.
    const newOnly = new Keyring([newKey]);
    for (const account of accounts) {
      const row = await db
        .selectFrom("connected_accounts")
        .selectAll()
        .where("id", "=", account.id)
        .executeTakeFirstOrThrow();
      const keyId = row.token_key_id!;
      expect(
        openAccountToken(newOnly, account.binding, "access", {
          ciphertext: row.access_token_ciphertext!,
          keyId,
        }),
      ).toBe(account.tokens.access);
      if (account.tokens.refresh)
        expect(
          openAccountToken(newOnly, account.binding, "refresh", {
            ciphertext: row.refresh_token_ciphertext!,
            keyId,
          }),
        ).toBe(account.tokens.refresh);
    }
    const config = await db
      .selectFrom("auth_configs")
      .selectAll()
      .where("id", "=", tenant.authConfigId)
      .executeTakeFirstOrThrow();
    expect(
      newOnly.open(
        { ciphertext: config.client_secret_ciphertext!, keyId: config.client_secret_key_id! },
        clientSecretAssociatedData(tenant.authConfigId),
      ),
    ).toBe("client-secret-plain");

    // A second run has nothing left to do.
    expect(await task.run(runContext(infra, "r2"))).toMatchObject({
      resealed_accounts: 0,
      resealed_client_secrets: 0,
    });
  });

  it("never overwrites a token a refresh wrote meanwhile, and does not bump the version a refresh fences on", async () => {
    const db = infra.database.db;
    const tenant = await seedTenant(db);
    await sealClientSecret(tenant.authConfigId, before, "another-secret");
    const account = await sealedAccount(tenant, before, 1);
    const row = await db
      .selectFrom("connected_accounts")
      .select("token_version")
      .where("id", "=", account.id)
      .executeTakeFirstOrThrow();

    // A refresh lands between the re-seal's read and its write: the read sees
    // the old version; simulate by letting the refresh write first, under the
    // OLD key (a replica that has not been given the new key yet).
    const refreshed = sealAccountTokens(before, account.binding, {
      access: "fresh-access",
      refresh: "fresh-refresh",
    });
    const racingTask = createSecretsResealTask(
      {
        db,
        keyring: rotated,
        async afterAccountsRead(ids) {
          if (!ids.includes(account.id)) return;
          await db
            .updateTable("connected_accounts")
            .set({
              access_token_ciphertext: refreshed.access,
              refresh_token_ciphertext: refreshed.refresh,
              token_key_id: refreshed.keyId,
              token_version: row.token_version + 1,
            })
            .where("id", "=", account.id)
            .execute();
        },
      },
      { intervalMs: 60_000 },
    );
    const outcome = await racingTask.run(runContext(infra, "race"));
    expect(outcome).toMatchObject({ skipped_changed_meanwhile: 1 });

    const after = await db
      .selectFrom("connected_accounts")
      .selectAll()
      .where("id", "=", account.id)
      .executeTakeFirstOrThrow();
    expect(after.token_version).toBe(row.token_version + 1);
    expect(
      openAccountToken(rotated, account.binding, "access", {
        ciphertext: after.access_token_ciphertext!,
        keyId: after.token_key_id!,
      }),
    ).toBe("fresh-access");

    // The next run re-seals the refreshed token without touching its version.
    await createSecretsResealTask({ db, keyring: rotated }, { intervalMs: 60_000 }).run(
      runContext(infra, "next"),
    );
    const final = await db
      .selectFrom("connected_accounts")
      .selectAll()
      .where("id", "=", account.id)
      .executeTakeFirstOrThrow();
    expect(final.token_key_id).toBe("new");
    expect(final.token_version).toBe(row.token_version + 1);
  });
});
