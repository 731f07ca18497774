import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { principalOf, requireScope } from "@warden/auth";
import { listAuditEvents, readKeysetPage, type AuditEventFilter, type AuditEventRow } from "@warden/db";
import { invalidArgument } from "@warden/errors";
import { parseId } from "@warden/ids";
import {
  ActorKind,
  AuditEventSchema,
  ListAuditEventsResponseSchema,
  type AuditEvent,
  type AuditService,
} from "@warden/proto/audit/v1";
import type { GatewayDeps } from "../gateway-deps.js";
import { optionalText, optionalTimestamp } from "./request-fields.js";

const ACTOR_KIND_TO_PROTO = {
  operator: ActorKind.OPERATOR,
  api_key: ActorKind.API_KEY,
  lease: ActorKind.LEASE,
  anonymous: ActorKind.ANONYMOUS,
} as const;

/**
 * AuditService: pages the audit log newest first. The operator key reads
 * every org (org_id narrows it); an API key needs audit:read and always reads
 * its own org only, whatever org_id it sends, so another org's events are
 * never visible to it.
 */
export function createAuditService(deps: GatewayDeps): ServiceImpl<typeof AuditService> {
  const { db, cursors } = deps;

  return {
    async listAuditEvents(req, ctx) {
      const principal = principalOf(ctx);
      const orgId =
        principal.kind === "operator"
          ? req.orgId
            ? parseId("org_id", req.orgId, "org")
            : undefined
          : requireScope(principal, "audit:read").orgId;
      const filter: AuditEventFilter = {
        orgId,
        action: optionalText("action", req.action, 200) ?? undefined,
        actorId: optionalText("actor_id", req.actorId, 100) ?? undefined,
        objectId: optionalText("object_id", req.objectId, 100) ?? undefined,
        outcome: optionalText("outcome", req.outcome, 50) ?? undefined,
        since: optionalTimestamp("since", req.since) ?? undefined,
        until: optionalTimestamp("until", req.until) ?? undefined,
      };
      if (filter.since && filter.until && filter.since >= filter.until)
        throw invalidArgument("until", "must be after since");
      const { rows, nextCursor } = await readKeysetPage({
        cursors,
        // Binds the cursor to the tenant and every filter: reused with other ones it is refused.
        context: `audit:${JSON.stringify(filter)}`,
        cursor: req.cursor,
        pageSize: req.pageSize,
        keyLength: 2,
        fetch: (after, limit) => listAuditEvents(db, filter, after, limit),
        keyOf: (row) => [row.occurred_at.toISOString(), row.id],
      });
      return create(ListAuditEventsResponseSchema, { events: rows.map(auditEventToProto), nextCursor });
    },
  };
}

/** Audit row → warden.audit.v1.AuditEvent (every column is secret-free by construction). */
export function auditEventToProto(row: AuditEventRow): AuditEvent {
  return create(AuditEventSchema, {
    id: row.id,
    occurredAt: timestampFromDate(row.occurred_at),
    actorKind: ACTOR_KIND_TO_PROTO[row.actor_kind],
    actorId: row.actor_id ?? "",
    orgId: row.org_id ?? "",
    action: row.action,
    objectIds: row.object_ids,
    outcome: row.outcome,
    clientAddress: row.client_address,
    reason: row.reason,
  });
}
