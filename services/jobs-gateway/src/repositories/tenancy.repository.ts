import type { ApiKeyRow, Database, OrgRow, ProjectRow } from "@warden/db";
import { sql, type Kysely, type Transaction } from "kysely";

type Db = Kysely<Database> | Transaction<Database>;

/** Inserts an org and returns it. */
export async function insertOrg(db: Db, org: { id: string; name: string }): Promise<OrgRow> {
  return db.insertInto("orgs").values(org).returningAll().executeTakeFirstOrThrow();
}

/** The org, if it exists. */
export async function findOrg(db: Db, id: string): Promise<OrgRow | undefined> {
  return db.selectFrom("orgs").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Inserts a project and returns it. */
export async function insertProject(
  db: Db,
  project: { id: string; org_id: string; name: string },
): Promise<ProjectRow> {
  return db.insertInto("projects").values(project).returningAll().executeTakeFirstOrThrow();
}

/** The project if it exists and is not deleted. */
export async function findLiveProject(db: Db, id: string): Promise<ProjectRow | undefined> {
  return db
    .selectFrom("projects")
    .selectAll()
    .where("id", "=", id)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
}

/**
 * Soft-deletes a project with its auth configs and accounts in one
 * transaction. Ciphertexts stay until the purge task has revoked them upstream
 * (a deleted account must never leave a live grant behind); no RPC can read
 * them once the status is DELETED.
 */
export async function softDeleteProject(
  trx: Transaction<Database>,
  id: string,
  now: Date,
): Promise<ProjectRow | undefined> {
  const project = await trx
    .updateTable("projects")
    .set({ deleted_at: now })
    .where("id", "=", id)
    .where("deleted_at", "is", null)
    .returningAll()
    .executeTakeFirst();
  if (!project) return undefined;
  await trx
    .updateTable("auth_configs")
    .set({ deleted_at: now, updated_at: now })
    .where("project_id", "=", id)
    .where("deleted_at", "is", null)
    .execute();
  await trx
    .updateTable("connected_accounts")
    .set({ status: "deleted", deleted_at: now, updated_at: now, status_changed_at: now })
    .where("project_id", "=", id)
    .where("deleted_at", "is", null)
    .execute();
  return project;
}

/** Inserts an API key row (hash only). */
export async function insertApiKey(
  db: Db,
  key: {
    id: string;
    org_id: string;
    project_id: string | null;
    scopes: string[];
    key_hash: string;
    expires_at?: Date | null;
  },
): Promise<void> {
  await db.insertInto("api_keys").values(key).execute();
}

/** Marks an API key revoked; false if no live key has that id. */
export async function revokeApiKey(db: Db, id: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable("api_keys")
    .set({ revoked_at: now })
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** An API key as listed: every column but the hash. */
export type ListedApiKeyRow = Omit<ApiKeyRow, "key_hash">;

/**
 * One keyset page of API keys, newest first, of one org or (orgId undefined)
 * every org, strictly after `after` = [created_at ISO, id]. Never selects key_hash.
 */
export async function listApiKeys(
  db: Db,
  filter: { orgId: string | undefined; after: string[] | undefined; limit: number },
): Promise<(ListedApiKeyRow & { created_us: string })[]> {
  let query = db
    .selectFrom("api_keys")
    .select([
      "id",
      "org_id",
      "project_id",
      "scopes",
      "created_at",
      "revoked_at",
      "expires_at",
      "last_used_at",
    ]);
  if (filter.orgId) query = query.where("org_id", "=", filter.orgId);
  if (filter.after) {
    const [createdUs, id] = filter.after as [string, string];
    query = query.where(
      sql<boolean>`(created_at, id) < (timestamptz 'epoch' + ${createdUs}::bigint * interval '1 microsecond', ${id})`,
    );
  }
  return query
    .select(sql<string>`(extract(epoch from created_at) * 1000000)::bigint::text`.as("created_us"))
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(filter.limit)
    .execute();
}
