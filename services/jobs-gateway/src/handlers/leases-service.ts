import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { principalOf, requireScope, visibleOrNotFound, type Principal } from "@warden/auth";
import { hashSecretToken, newSecretToken } from "@warden/crypto";
import { readKeysetPage, type LeaseRow, type LeaseStatusColumn } from "@warden/db";
import { alreadyExists, failedPrecondition, invalidArgument, notFound, unavailable } from "@warden/errors";
import { leaseToProto } from "@warden/events";
import { newId, parseId } from "@warden/ids";
import {
  CheckinLeaseResponseSchema,
  CheckoutAccountResponseSchema,
  GetLeaseResponseSchema,
  LeaseSchema,
  LeaseStatus,
  ListLeasesResponseSchema,
  RevokeLeaseResponseSchema,
  type LeasesService,
} from "@warden/proto/leases/v1";
import type { GatewayDeps } from "../gateway-deps.js";
import { createLeaseEventWriter } from "../lease-events.js";
import {
  endLiveLease,
  expireLapsedHolderLease,
  findActiveHolderLease,
  findLease,
  insertActiveLease,
  listLeases,
  lockAccountForCheckout,
} from "../repositories/leases.repository.js";
import { parseLeaseTtl } from "./lease-ttl.js";
import { optionalText, requiredText } from "./request-fields.js";

const STATUS_FROM_PROTO: Record<number, LeaseStatusColumn | null> = {
  [LeaseStatus.UNSPECIFIED]: null,
  [LeaseStatus.ACTIVE]: "active",
  [LeaseStatus.CHECKED_IN]: "checked_in",
  [LeaseStatus.REVOKED]: "revoked",
  [LeaseStatus.EXPIRED]: "expired",
};

// A conflicting lease can end between our insert and our read of it; a few
// more tries settle that race without bothering the caller.
const CHECKOUT_ATTEMPTS = 3;

const leasePlace = (row: { org_id: string; project_id: string }) => ({
  orgId: row.org_id,
  projectId: row.project_id,
});

/**
 * LeasesService: time-bound grants on one connected account, scoped to the
 * caller's tenant. Checking in or revoking a lease that is no longer active
 * (checked in, revoked or expired) is FAILED_PRECONDITION carrying the lease
 * as it now stands, rather than a silent success: the caller learns that the
 * lease ended some other way (e.g. a revoke job or the expiry) and no event is
 * published twice.
 */
export function createLeasesService(deps: GatewayDeps): ServiceImpl<typeof LeasesService> {
  const { db, cursors, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const writeEvents = createLeaseEventWriter(deps);

  async function visibleLease(principal: Principal, id: string): Promise<LeaseRow> {
    return visibleOrNotFound(principal, "lease", id, await findLease(db, id), leasePlace);
  }

  /** Ends a live lease as `status`, or explains why it cannot. */
  async function endLease(ctx: HandlerContext, rawId: string, status: "checked_in" | "revoked") {
    const principal = requireScope(principalOf(ctx), "leases:write");
    const id = parseId("lease_id", rawId, "lease");
    await visibleLease(principal, id);
    const at = now();
    const ended = await db.transaction().execute(async (trx) => {
      const row = await endLiveLease(trx, id, status, at);
      if (row) await writeEvents(trx, [row], status, at);
      return row;
    });
    if (!ended) {
      const current = leaseToProto(await visibleLease(principal, id), at);
      throw failedPrecondition(`lease ${id} is ${LeaseStatus[current.status]}, not ACTIVE`, [
        { desc: LeaseSchema, value: current },
      ]);
    }
    logger.info({ leaseId: id, accountId: ended.account_id, orgId: ended.org_id, status }, "lease ended");
    return leaseToProto(ended, at);
  }

  return {
    async checkoutAccount(req, ctx) {
      const principal = requireScope(principalOf(ctx), "leases:write");
      const accountId = parseId("account_id", req.accountId, "account");
      const holder = requiredText("holder", req.holder, 200);
      const purpose = optionalText("purpose", req.purpose, 500) ?? "";
      const ttlMs = parseLeaseTtl(req.ttl);
      const at = now();
      // Shown once in the response; only its hash is stored.
      const token = newSecretToken("wls");
      const outcome = await db.transaction().execute(async (trx) => {
        const account = visibleOrNotFound(
          principal,
          "connected account",
          accountId,
          await lockAccountForCheckout(trx, accountId),
          leasePlace,
        );
        if (account.deleted_at || account.status === "deleted")
          throw notFound("connected account", accountId);
        if (account.status !== "active")
          throw failedPrecondition(
            `connected account ${accountId} is ${account.status.toUpperCase()}; only an ACTIVE account can be checked out`,
          );
        const expired = await expireLapsedHolderLease(trx, accountId, holder, at);
        await writeEvents(trx, expired, "expired", at);
        for (let attempt = 0; attempt < CHECKOUT_ATTEMPTS; attempt++) {
          const lease = await insertActiveLease(trx, {
            id: newId("lease"),
            org_id: account.org_id,
            project_id: account.project_id,
            account_id: accountId,
            holder,
            purpose,
            status: "active",
            token_hash: hashSecretToken(token),
            created_at: at,
            expires_at: new Date(at.getTime() + ttlMs),
            ended_at: null,
          });
          if (lease) {
            await writeEvents(trx, [lease], "checked_out", at);
            return { created: true as const, lease, expired };
          }
          const active = await findActiveHolderLease(trx, accountId, holder);
          if (active) return { created: false as const, lease: active, expired };
        }
        throw unavailable("the holder's lease changed concurrently; retry the checkout");
      });
      if (!outcome.created)
        throw alreadyExists(`holder already has active lease ${outcome.lease.id} on account ${accountId}`, [
          { desc: LeaseSchema, value: leaseToProto(outcome.lease, at) },
        ]);
      const { lease } = outcome;
      logger.info({ leaseId: lease.id, accountId, orgId: lease.org_id }, "account checked out");
      return create(CheckoutAccountResponseSchema, { lease: leaseToProto(lease, at), leaseToken: token });
    },

    async getLease(req, ctx) {
      const principal = requireScope(principalOf(ctx), "leases:read");
      const id = parseId("lease_id", req.leaseId, "lease");
      return create(GetLeaseResponseSchema, {
        lease: leaseToProto(await visibleLease(principal, id), now()),
      });
    },

    async listLeases(req, ctx) {
      const principal = requireScope(principalOf(ctx), "leases:read");
      const accountId = req.accountId ? parseId("account_id", req.accountId, "account") : null;
      if (!(req.status in STATUS_FROM_PROTO)) throw invalidArgument("status", "is not a known lease status");
      const status = STATUS_FROM_PROTO[req.status] ?? null;
      const projectId = principal.projectId;
      const context = `leases:${principal.orgId}:${projectId ?? "*"}:${accountId ?? "*"}:${status ?? "*"}`;
      const at = now();
      const { rows, nextCursor } = await readKeysetPage({
        cursors,
        context,
        cursor: req.cursor,
        pageSize: req.pageSize,
        keyLength: 1,
        fetch: (after, limit) =>
          listLeases(db, {
            orgId: principal.orgId,
            projectId,
            accountId,
            status,
            now: at,
            afterId: after?.[0],
            limit,
          }),
        keyOf: (row) => [row.id],
      });
      return create(ListLeasesResponseSchema, {
        leases: rows.map((row) => leaseToProto(row, at)),
        nextCursor,
      });
    },

    async checkinLease(req, ctx) {
      return create(CheckinLeaseResponseSchema, { lease: await endLease(ctx, req.leaseId, "checked_in") });
    },

    async revokeLease(req, ctx) {
      return create(RevokeLeaseResponseSchema, { lease: await endLease(ctx, req.leaseId, "revoked") });
    },
  };
}
