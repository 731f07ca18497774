import { visibleOrNotFound, type Principal } from "@warden/auth";
import type { RevokeJobRow } from "@warden/db";
import { invalidArgument } from "@warden/errors";
import { parseId, type IdKind } from "@warden/ids";
import { ScopeKind, type Scope } from "@warden/proto/jobs/v1";
import type { Kysely } from "kysely";
import type { Database } from "@warden/db";
import type { RevokeScope } from "../gateway-deps.js";
import { findJob } from "../repositories/jobs.repository.js";

// Checks of JobsService request fields; each failure names the field.

const SCOPE_FROM_PROTO: Partial<Record<ScopeKind, { kind: RevokeScope["kind"]; idKind: IdKind }>> = {
  [ScopeKind.ORG]: { kind: "org", idKind: "org" },
  [ScopeKind.PROJECT]: { kind: "project", idKind: "project" },
  [ScopeKind.AUTH_CONFIG]: { kind: "auth_config", idKind: "authConfig" },
  [ScopeKind.CONNECTED_ACCOUNT]: { kind: "connected_account", idKind: "account" },
};

/** A job id: oj_… or pj_…, anything else INVALID_ARGUMENT naming the field. */
export function parseJobId(field: string, value: string): string {
  return parseId(field, value, "orgJob", "projectJob");
}

/** A revoke scope whose id prefix matches its kind (org→org_, project→prj_, auth_config→ac_, account→ca_). */
export function parseScope(scope: Scope | undefined): RevokeScope {
  if (!scope) throw invalidArgument("scope", "is required");
  const mapped = SCOPE_FROM_PROTO[scope.kind];
  if (!mapped) {
    throw invalidArgument(
      "scope.kind",
      "must be SCOPE_KIND_ORG, SCOPE_KIND_PROJECT, SCOPE_KIND_AUTH_CONFIG or SCOPE_KIND_CONNECTED_ACCOUNT",
    );
  }
  return { kind: mapped.kind, id: parseId("scope.id", scope.id, mapped.idKind) };
}

/** The job if the principal's tenant owns it; NOT_FOUND otherwise, exactly as if it did not exist. */
export async function visibleJob(
  db: Kysely<Database>,
  principal: Principal,
  id: string,
): Promise<RevokeJobRow> {
  return visibleOrNotFound(principal, "revoke job", id, await findJob(db, id), (job) => ({
    orgId: job.org_id,
    projectId: job.project_id,
  }));
}
