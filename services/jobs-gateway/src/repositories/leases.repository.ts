import type { ConnectedAccountRow, Database, LeaseRow, LeaseStatusColumn, NewLeaseRow } from "@warden/db";
import type { Kysely, Transaction } from "kysely";

type Db = Kysely<Database> | Transaction<Database>;

/** The lease if it exists. */
export async function findLease(db: Db, id: string): Promise<LeaseRow | undefined> {
  return db.selectFrom("leases").selectAll().where("id", "=", id).executeTakeFirst();
}

/**
 * The account, share-locked until the transaction ends: an account revocation
 * (which updates the row and then revokes its leases) waits for a checkout in
 * flight, so it also revokes the lease that checkout creates.
 */
export async function lockAccountForCheckout(
  trx: Transaction<Database>,
  accountId: string,
): Promise<ConnectedAccountRow | undefined> {
  return trx
    .selectFrom("connected_accounts")
    .selectAll()
    .where("id", "=", accountId)
    .forShare()
    .executeTakeFirst();
}

/**
 * Marks the holder's active lease on the account EXPIRED if its time has
 * passed, so a lapsed lease never blocks a new checkout. Returns the rows it
 * expired (at most one, by the unique active index).
 */
export async function expireLapsedHolderLease(
  trx: Transaction<Database>,
  accountId: string,
  holder: string,
  now: Date,
): Promise<LeaseRow[]> {
  return trx
    .updateTable("leases")
    .set((eb) => ({ status: "expired", ended_at: eb.ref("expires_at") }))
    .where("account_id", "=", accountId)
    .where("holder", "=", holder)
    .where("status", "=", "active")
    .where("expires_at", "<=", now)
    .returningAll()
    .execute();
}

/**
 * Inserts an active lease; undefined when the holder already has an active
 * lease on the account (the unique index leases_active_holder_uq decides,
 * so concurrent checkouts cannot both win).
 */
export async function insertActiveLease(db: Db, row: NewLeaseRow): Promise<LeaseRow | undefined> {
  return db
    .insertInto("leases")
    .values(row)
    .onConflict((oc) => oc.columns(["account_id", "holder"]).where("status", "=", "active").doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** The holder's active lease on the account, if any. */
export async function findActiveHolderLease(
  db: Db,
  accountId: string,
  holder: string,
): Promise<LeaseRow | undefined> {
  return db
    .selectFrom("leases")
    .selectAll()
    .where("account_id", "=", accountId)
    .where("holder", "=", holder)
    .where("status", "=", "active")
    .executeTakeFirst();
}

/**
 * Ends a live lease (active and not past its expiry) with the given status;
 * undefined when the lease was not live, so a lapsed or already ended lease
 * is never relabelled.
 */
export async function endLiveLease(
  db: Db,
  id: string,
  status: Exclude<LeaseStatusColumn, "active" | "expired">,
  now: Date,
): Promise<LeaseRow | undefined> {
  return db
    .updateTable("leases")
    .set({ status, ended_at: now })
    .where("id", "=", id)
    .where("status", "=", "active")
    .where("expires_at", ">", now)
    .returningAll()
    .executeTakeFirst();
}

export interface LeaseListFilter {
  orgId: string;
  projectId: string | null;
  accountId: string | null;
  /** As callers see it: "active" means live, "expired" includes active rows past their expiry. */
  status: LeaseStatusColumn | null;
  now: Date;
  afterId: string | undefined;
  limit: number;
}

/** One keyset page of a tenant's leases ordered by id. */
export async function listLeases(db: Db, filter: LeaseListFilter): Promise<LeaseRow[]> {
  let query = db.selectFrom("leases").selectAll().where("org_id", "=", filter.orgId);
  if (filter.projectId) query = query.where("project_id", "=", filter.projectId);
  if (filter.accountId) query = query.where("account_id", "=", filter.accountId);
  if (filter.status === "active") {
    query = query.where("status", "=", "active").where("expires_at", ">", filter.now);
  } else if (filter.status === "expired") {
    query = query.where((eb) =>
      eb.or([
        eb("status", "=", "expired"),
        eb.and([eb("status", "=", "active"), eb("expires_at", "<=", filter.now)]),
      ]),
    );
  } else if (filter.status) {
    query = query.where("status", "=", filter.status);
  }
  if (filter.afterId) query = query.where("id", ">", filter.afterId);
  return query.orderBy("id").limit(filter.limit).execute();
}
