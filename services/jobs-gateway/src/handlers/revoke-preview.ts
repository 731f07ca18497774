import { create } from "@bufbuild/protobuf";
import { canSee, type Principal } from "@warden/auth";
import { notFound } from "@warden/errors";
import { SCOPE_KIND_TO_PROTO } from "@warden/events";
import { CreateRevokeJobResponseSchema, type CreateRevokeJobResponse } from "@warden/proto/jobs/v1";
import type { GatewayDeps, RevokeScope } from "../gateway-deps.js";
import { findScopePlace } from "../repositories/jobs.repository.js";
import { previewRevokeScope } from "../repositories/revoke-preview.repository.js";

/**
 * CreateRevokeJob{dry_run}: what a job over the scope would plan, counted now,
 * with the tenant check a real create makes (NOT_FOUND when invisible). Reads
 * only: no job row, no ledger row, no plan message, no event.
 */
export async function previewRevokeJob(
  deps: Pick<GatewayDeps, "db">,
  principal: Principal,
  scope: RevokeScope,
): Promise<CreateRevokeJobResponse> {
  const place = await findScopePlace(deps.db, scope.kind, scope.id);
  if (!place || !canSee(principal, place)) throw notFound(scope.kind.replace("_", " "), scope.id);
  const rows = await previewRevokeScope(deps.db, scope);
  return create(CreateRevokeJobResponseSchema, {
    preview: {
      scope: { kind: SCOPE_KIND_TO_PROTO[scope.kind], id: scope.id },
      totalAccounts: BigInt(rows.reduce((sum, row) => sum + row.total, 0)),
      authConfigs: rows.map((row) => ({
        authConfigId: row.auth_config_id,
        name: row.name,
        projectId: row.project_id,
        provider: row.provider ?? "",
        total: BigInt(row.total),
        active: BigInt(row.active),
        needsReconnect: BigInt(row.needs_reconnect),
        revoked: BigInt(row.revoked),
        revokesAtProvider: row.revokes_at_provider,
      })),
    },
  });
}
