import { hashSecretToken, newSecretToken } from "@warden/crypto";
import { createDatabase, dropNamespaceSchema, migrateToLatest, type Database } from "@warden/db";
import { testNamespace, waitFor } from "@warden/testkit";
import { Kysely, PostgresDialect } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthenticator } from "./authenticator.js";
import { createLastUsedRecorder } from "./last-used-recorder.js";

const namespace = testNamespace("akl");
const handle = createDatabase({
  url: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
  namespace,
  maxConnections: 2,
});
// A second view of the same pool that counts the statements it runs.
const statements: string[] = [];
const countingDb = new Kysely<Database>({
  dialect: new PostgresDialect({ pool: handle.pool }),
  log: (event) => {
    statements.push(event.query.sql);
  },
});

async function insertKey(id: string, expiresAt: Date | null = null): Promise<string> {
  const secret = newSecretToken("wdn");
  await handle.db
    .insertInto("api_keys")
    .values({
      id,
      org_id: "org_a",
      project_id: null,
      scopes: ["jobs:read"],
      key_hash: hashSecretToken(secret),
      expires_at: expiresAt,
    })
    .execute();
  return secret;
}

const lastUsedOf = async (id: string) =>
  (
    await handle.db
      .selectFrom("api_keys")
      .select("last_used_at")
      .where("id", "=", id)
      .executeTakeFirstOrThrow()
  ).last_used_at;

beforeAll(async () => {
  await migrateToLatest(handle.db, namespace);
  await handle.db.insertInto("orgs").values({ id: "org_a", name: "a" }).execute();
});

afterAll(async () => {
  await dropNamespaceSchema(handle.db, namespace);
  await handle.close();
});

describe("API key expiry", () => {
  it("a key past its expires_at is UNAUTHENTICATED at once, even while its verification is cached", async () => {
    const expiresAt = new Date(Date.now() + 1500);
    const secret = await insertKey("key_expiring", expiresAt);
    // A cache far longer than the key's remaining life: expiry must still win.
    const authenticate = createAuthenticator({ db: handle.db, adminKey: undefined, apiKeyCacheMs: 60_000 });
    expect(await authenticate(`Bearer ${secret}`)).toMatchObject({ kind: "api_key", keyId: "key_expiring" });
    await waitFor(() => Date.now() > expiresAt.getTime(), { message: "the key's expiry to pass" });
    await expect(authenticate(`Bearer ${secret}`)).rejects.toMatchObject({ kind: "unauthenticated" });
  });

  it("a key whose expires_at has passed never authenticates", async () => {
    const secret = await insertKey("key_expired", new Date(Date.now() - 1000));
    const authenticate = createAuthenticator({ db: handle.db, adminKey: undefined, apiKeyCacheMs: 0 });
    await expect(authenticate(`Bearer ${secret}`)).rejects.toMatchObject({ kind: "unauthenticated" });
  });
});

describe("API key last use", () => {
  it("many uses of several keys cost no write until the flush, then exactly one UPDATE for all of them", async () => {
    const secrets = [await insertKey("key_busy1"), await insertKey("key_busy2")];
    const lastUsed = createLastUsedRecorder({ db: countingDb, flushIntervalMs: 3_600_000 });
    const authenticate = createAuthenticator({
      db: countingDb,
      adminKey: undefined,
      apiKeyCacheMs: 60_000,
      lastUsed,
    });
    statements.length = 0;
    for (let i = 0; i < 200; i++) await authenticate(`Bearer ${secrets[i % 2]}`);
    // Two lookups (one per key, then the cache answers) and no write.
    expect(statements.filter((s) => /^update/i.test(s.trim()))).toHaveLength(0);
    expect(await lastUsedOf("key_busy1")).toBeNull();

    const before = new Date();
    await lastUsed.flush();
    expect(statements.filter((s) => /update\s+api_keys/i.test(s))).toHaveLength(1);
    expect((await lastUsedOf("key_busy1"))!.getTime()).toBeGreaterThan(before.getTime() - 5000);
    expect(await lastUsedOf("key_busy2")).not.toBeNull();

    // Nothing used since: a flush writes nothing.
    statements.length = 0;
    await lastUsed.flush();
    expect(statements).toHaveLength(0);
    await lastUsed.close();
  });

  it("last_used_at never moves back when an older use is flushed late (another replica)", async () => {
    await insertKey("key_order");
    const recorder = createLastUsedRecorder({ db: handle.db, flushIntervalMs: 3_600_000 });
    const newer = new Date("2026-11-30T12:00:00.000Z");
    recorder.touch("key_order", newer);
    await recorder.flush();
    recorder.touch("key_order", new Date("2026-11-30T11:00:00.000Z"));
    await recorder.flush();
    expect(await lastUsedOf("key_order")).toEqual(newer);
    await recorder.close();
  });

  it("the periodic flush writes pending uses on its own", async () => {
    await insertKey("key_timer");
    const recorder = createLastUsedRecorder({ db: handle.db, flushIntervalMs: 50 });
    recorder.touch("key_timer");
    await waitFor(async () => (await lastUsedOf("key_timer")) !== null, { message: "the periodic flush" });
    await recorder.close();
  });
});
