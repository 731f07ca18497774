import type { AuthConfigRow, Database, NewAuthConfigRow } from "@warden/db";
import type { Kysely, Transaction } from "kysely";

type Db = Kysely<Database> | Transaction<Database>;

/** Inserts an auth config and returns it. */
export async function insertAuthConfig(db: Db, row: NewAuthConfigRow): Promise<AuthConfigRow> {
  return db.insertInto("auth_configs").values(row).returningAll().executeTakeFirstOrThrow();
}

/** The auth config if it exists and is not deleted. */
export async function findLiveAuthConfig(db: Db, id: string): Promise<AuthConfigRow | undefined> {
  return db
    .selectFrom("auth_configs")
    .selectAll()
    .where("id", "=", id)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
}

/** One keyset page of a tenant's live auth configs, ordered by id. */
export async function listAuthConfigs(
  db: Db,
  filter: { orgId: string; projectId: string | null; afterId: string | undefined; limit: number },
): Promise<AuthConfigRow[]> {
  let query = db
    .selectFrom("auth_configs")
    .selectAll()
    .where("org_id", "=", filter.orgId)
    .where("deleted_at", "is", null);
  if (filter.projectId) query = query.where("project_id", "=", filter.projectId);
  if (filter.afterId) query = query.where("id", ">", filter.afterId);
  return query.orderBy("id").limit(filter.limit).execute();
}

/** Soft-deletes an auth config and its accounts in one transaction. */
export async function softDeleteAuthConfig(
  trx: Transaction<Database>,
  id: string,
  now: Date,
): Promise<AuthConfigRow | undefined> {
  const row = await trx
    .updateTable("auth_configs")
    .set({ deleted_at: now, updated_at: now })
    .where("id", "=", id)
    .where("deleted_at", "is", null)
    .returningAll()
    .executeTakeFirst();
  if (!row) return undefined;
  await trx
    .updateTable("connected_accounts")
    .set({ status: "deleted", deleted_at: now, updated_at: now, status_changed_at: now })
    .where("auth_config_id", "=", id)
    .where("deleted_at", "is", null)
    .execute();
  return row;
}
