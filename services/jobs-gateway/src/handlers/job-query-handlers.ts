import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { principalOf, requireScope } from "@warden/auth";
import { readKeysetPage } from "@warden/db";
import { invalidArgument } from "@warden/errors";
import { jobToProto } from "@warden/events";
import {
  GetRevokeJobResponseSchema,
  ItemFilter,
  ListRevokeJobsResponseSchema,
  type GetRevokeJobRequest,
  type GetRevokeJobResponse,
  type ListRevokeJobsRequest,
  type ListRevokeJobsResponse,
} from "@warden/proto/jobs/v1";
import type { GatewayDeps } from "../gateway-deps.js";
import { itemToProto } from "../item-to-proto.js";
import { listItems, listJobs } from "../repositories/jobs.repository.js";
import { jobListFiltersKey, parseJobListFilters, parseLedgerFilters } from "./job-list-filters.js";
import { parseJobId, visibleJob } from "./job-request-fields.js";

const MICROS = /^\d{1,20}$/;

/** JobsService's reads of jobs and ledgers (scope jobs:read). */
export function createJobQueryHandlers(deps: GatewayDeps) {
  const { db, cursors } = deps;

  return {
    async getRevokeJob(req: GetRevokeJobRequest, ctx: HandlerContext): Promise<GetRevokeJobResponse> {
      const principal = requireScope(principalOf(ctx), "jobs:read");
      const id = parseJobId("job_id", req.jobId);
      if (
        req.filter !== ItemFilter.UNSPECIFIED &&
        req.filter !== ItemFilter.ALL &&
        req.filter !== ItemFilter.FAILED
      ) {
        throw invalidArgument("filter", "must be ITEM_FILTER_ALL or ITEM_FILTER_FAILED");
      }
      const failedOnly = req.filter === ItemFilter.FAILED;
      const { status, externalUserId } = parseLedgerFilters(req);
      // The cursor is bound to this job and its filters: one from another job or
      // other filters would silently skip or repeat rows, so it is refused.
      const context = `job-items:${id}:${failedOnly ? "failed" : "all"}:${status ?? "*"}:${externalUserId ?? "*"}`;
      const job = await visibleJob(db, principal, id);
      const { rows, nextCursor } = await readKeysetPage({
        cursors,
        context,
        cursor: req.cursor,
        pageSize: req.pageSize,
        keyLength: 1,
        fetch: (after, limit) =>
          listItems(db, { jobId: id, failedOnly, status, externalUserId, afterAccountId: after?.[0], limit }),
        keyOf: (row) => [row.account_id],
      });
      return create(GetRevokeJobResponseSchema, {
        job: jobToProto(job),
        items: rows.map(itemToProto),
        nextCursor,
      });
    },

    async listRevokeJobs(req: ListRevokeJobsRequest, ctx: HandlerContext): Promise<ListRevokeJobsResponse> {
      const principal = requireScope(principalOf(ctx), "jobs:read");
      const tenant = { orgId: principal.orgId, projectId: principal.projectId };
      const filters = parseJobListFilters(req);
      // Bound to the filters too: a cursor carried over to other filters would mis-page.
      const context = `jobs:${tenant.orgId}:${tenant.projectId ?? "*"}:${jobListFiltersKey(filters)}`;
      const { rows, nextCursor } = await readKeysetPage({
        cursors,
        context,
        cursor: req.cursor,
        pageSize: req.pageSize,
        keyLength: 2,
        fetch: (after, limit) => {
          if (after && !MICROS.test(after[0]!)) throw invalidArgument("cursor", "is not a valid cursor");
          return listJobs(db, {
            ...tenant,
            ...filters,
            after: after && { createdUs: after[0]!, id: after[1]! },
            limit,
          });
        },
        keyOf: (row) => [row.created_us, row.id],
      });
      return create(ListRevokeJobsResponseSchema, { jobs: rows.map(jobToProto), nextCursor });
    },
  };
}
