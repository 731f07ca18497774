import { randomBytes } from "node:crypto";
import { hashSecretToken, newSecretToken } from "@warden/crypto";
import { createDatabase, dropNamespaceSchema, migrateToLatest } from "@warden/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthenticator } from "./authenticator.js";
import { canSee, listProjectFilter, requireScope, visibleOrNotFound } from "./principal.js";

const namespace = `aut_${randomBytes(4).toString("hex")}`;
const handle = createDatabase({
  url: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
  namespace,
});
const { db } = handle;
const apiKey = newSecretToken("wdn");
const leaseToken = newSecretToken("wls");

beforeAll(async () => {
  await migrateToLatest(db, namespace);
  await db.insertInto("orgs").values({ id: "org_a", name: "a" }).execute();
  await db.insertInto("projects").values({ id: "prj_a", org_id: "org_a", name: "p" }).execute();
  await db
    .insertInto("api_keys")
    .values({
      id: "key_a",
      org_id: "org_a",
      project_id: "prj_a",
      scopes: ["accounts:read", "bogus"],
      key_hash: hashSecretToken(apiKey),
    })
    .execute();
});

afterAll(async () => {
  await dropNamespaceSchema(db, namespace);
  await handle.close();
});

describe("createAuthenticator", () => {
  const authenticate = createAuthenticator({
    db,
    adminKey: "operator-key",
    acceptLeaseTokens: true,
    apiKeyCacheMs: 0,
  });

  it("recognises the operator key", async () => {
    expect(await authenticate("Bearer operator-key")).toEqual({ kind: "operator" });
  });

  it("resolves an API key by its hash to its org, project and known scopes", async () => {
    const principal = await authenticate(`Bearer ${apiKey}`);
    expect(principal).toMatchObject({ kind: "api_key", keyId: "key_a", orgId: "org_a", projectId: "prj_a" });
    expect(requireScope(principal, "accounts:read").keyId).toBe("key_a");
    expect(() => requireScope(principal, "accounts:write")).toThrow(
      expect.objectContaining({ kind: "permission_denied" }),
    );
  });

  it("refuses missing, malformed, unknown and revoked credentials as UNAUTHENTICATED", async () => {
    for (const header of [null, "", "Basic abc", "Bearer", `Bearer ${newSecretToken("wdn")}`]) {
      await expect(authenticate(header)).rejects.toMatchObject({ kind: "unauthenticated" });
    }
    const other = newSecretToken("wdn");
    await db
      .insertInto("api_keys")
      .values({
        id: "key_r",
        org_id: "org_a",
        project_id: null,
        scopes: [],
        key_hash: hashSecretToken(other),
        revoked_at: new Date(),
      })
      .execute();
    await expect(authenticate(`Bearer ${other}`)).rejects.toMatchObject({ kind: "unauthenticated" });
  });

  it("accepts an active lease token and refuses it once checked in or expired", async () => {
    await db.insertInto("orgs").values({ id: "org_l", name: "l" }).execute();
    await db.insertInto("projects").values({ id: "prj_l", org_id: "org_l", name: "p" }).execute();
    await db
      .insertInto("auth_configs")
      .values({
        id: "ac_l",
        org_id: "org_l",
        project_id: "prj_l",
        name: "n",
        token_url: "https://x",
        client_id: "c",
        client_auth: "basic",
        response_style: "rfc6749",
        default_scopes: [],
      })
      .execute();
    await db
      .insertInto("connected_accounts")
      .values({
        id: "ca_l",
        org_id: "org_l",
        project_id: "prj_l",
        auth_config_id: "ac_l",
        external_user_id: "u",
        status: "active",
        status_reason: null,
        access_token_ciphertext: null,
        refresh_token_ciphertext: null,
        token_key_id: null,
        expires_at: null,
        last_refreshed_at: null,
        revoked_upstream_at: null,
        deleted_at: null,
      })
      .execute();
    await db
      .insertInto("leases")
      .values({
        id: "ls_1",
        org_id: "org_l",
        project_id: "prj_l",
        account_id: "ca_l",
        holder: "h",
        status: "active",
        token_hash: hashSecretToken(leaseToken),
        expires_at: new Date(Date.now() + 60_000),
        ended_at: null,
      })
      .execute();
    expect(await authenticate(`Bearer ${leaseToken}`)).toMatchObject({ kind: "lease", accountId: "ca_l" });
    await db.updateTable("leases").set({ status: "checked_in", ended_at: new Date() }).execute();
    await expect(authenticate(`Bearer ${leaseToken}`)).rejects.toMatchObject({ kind: "unauthenticated" });
    const withoutLeases = createAuthenticator({ db, adminKey: undefined });
    await db.updateTable("leases").set({ status: "active", ended_at: null }).execute();
    await expect(withoutLeases(`Bearer ${leaseToken}`)).rejects.toMatchObject({ kind: "unauthenticated" });
    await expect(withoutLeases("Bearer operator-key")).rejects.toMatchObject({ kind: "unauthenticated" });
  });
});

describe("tenant checks", () => {
  const principal = {
    kind: "api_key" as const,
    keyId: "k",
    orgId: "org_a",
    projectId: "prj_a",
    scopes: new Set<never>(),
  };

  it("a project-bound key sees only its project, and others' objects are NOT_FOUND", () => {
    expect(canSee(principal, { orgId: "org_a", projectId: "prj_a" })).toBe(true);
    expect(canSee(principal, { orgId: "org_a", projectId: "prj_b" })).toBe(false);
    expect(canSee(principal, { orgId: "org_b", projectId: "prj_a" })).toBe(false);
    expect(() =>
      visibleOrNotFound(principal, "account", "ca_x", { orgId: "org_b", projectId: null }, (o) => o),
    ).toThrow(expect.objectContaining({ kind: "not_found" }));
  });

  it("lists are limited to the key's project, and a sibling project is invisible", () => {
    expect(listProjectFilter(principal, null)).toBe("prj_a");
    expect(listProjectFilter(principal, "prj_a")).toBe("prj_a");
    expect(listProjectFilter(principal, "prj_b")).toBe("invisible");
    expect(listProjectFilter({ ...principal, projectId: null }, "prj_b")).toBe("prj_b");
    expect(listProjectFilter({ ...principal, projectId: null }, null)).toBeNull();
  });
});
