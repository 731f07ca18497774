import { notFound, permissionDenied } from "@warden/errors";

/** Every scope an API key may carry. */
export const API_SCOPES = [
  "accounts:read",
  "accounts:write",
  "jobs:read",
  "jobs:write",
  "leases:read",
  "leases:write",
  "tokens:read",
  "audit:read",
] as const;

export type ApiScope = (typeof API_SCOPES)[number];

/** Who is calling: the operator, an API key's holder, or a lease token's holder. */
export type Principal =
  | { kind: "operator" }
  | { kind: "api_key"; keyId: string; orgId: string; projectId: string | null; scopes: ReadonlySet<ApiScope> }
  | { kind: "lease"; leaseId: string; accountId: string; orgId: string; projectId: string };

/** Where an object lives, for tenant checks. */
export interface TenantPlace {
  orgId: string;
  projectId: string | null;
}

/** Throws PERMISSION_DENIED unless the principal is an API key holding the scope. */
export function requireScope(principal: Principal, scope: ApiScope): Extract<Principal, { kind: "api_key" }> {
  if (principal.kind !== "api_key") throw permissionDenied(`this call needs an API key with scope ${scope}`);
  if (!principal.scopes.has(scope)) throw permissionDenied(`API key lacks scope ${scope}`);
  return principal;
}

/** Throws PERMISSION_DENIED, naming the service, unless the caller is the operator. */
export function requireOperator(principal: Principal, service = "AdminService"): void {
  if (principal.kind !== "operator")
    throw permissionDenied(`only the operator key (WARDEN_ADMIN_KEY) may call ${service}`);
}

/** True when an object at `place` belongs to the principal's tenant (org, and project if bound). */
export function canSee(principal: Principal, place: TenantPlace): boolean {
  switch (principal.kind) {
    case "operator":
      return true;
    case "api_key":
      return (
        principal.orgId === place.orgId &&
        (principal.projectId === null || principal.projectId === place.projectId)
      );
    case "lease":
      return principal.orgId === place.orgId && principal.projectId === place.projectId;
  }
}

/**
 * The project a list is limited to: the requested one, else the key's own
 * (null: the whole org). `"invisible"` when a project-bound key asks for
 * another project: the caller answers an empty list, as if it did not exist.
 */
export function listProjectFilter(
  principal: Extract<Principal, { kind: "api_key" }>,
  requested: string | null,
): string | null | "invisible" {
  if (requested && principal.projectId && requested !== principal.projectId) return "invisible";
  return requested ?? principal.projectId;
}

/**
 * Returns the object if the principal may see it; otherwise NOT_FOUND exactly
 * as if it did not exist, so other tenants' ids never leak.
 */
export function visibleOrNotFound<T>(
  principal: Principal,
  what: string,
  id: string,
  object: T | undefined,
  place: (o: T) => TenantPlace,
): T {
  if (object === undefined || !canSee(principal, place(object))) throw notFound(what, id);
  return object;
}
