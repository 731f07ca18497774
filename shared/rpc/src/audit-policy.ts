import type { DescMethod } from "@bufbuild/protobuf";

/** Why a call is audited: it may change state, or it hands out a token. */
export type AuditReason = "mutation" | "token_read";

// Token reads are audited although they change nothing: who read which
// account's token is exactly what an audit must answer. Lease checkouts hand
// out a lease token and are mutations anyway.
const TOKEN_READS = new Set([
  "warden.tokens.v1.TokensService/GetAccessToken",
  "warden.tokens.v1.TokensService/RefreshAccessToken",
]);

// By convention (and checked against every descriptor in audit-policy.test.ts)
// a read-only RPC's name starts with one of these; anything else may change
// state and is audited, so a new mutating RPC is audited without anyone
// remembering to add it.
const READ_ONLY_PREFIXES = ["Get", "List", "Watch"] as const;

/** Services that are not part of the product's API (health probes carry no credentials). */
const UNAUDITED_SERVICES = new Set(["grpc.health.v1.Health"]);

/** The full name the audit log uses for a method, e.g. "warden.jobs.v1.JobsService/CreateRevokeJob". */
export function actionOf(method: DescMethod): string {
  return `${method.parent.typeName}/${method.name}`;
}

/**
 * Whether a successful or failed call of `method` is audited, and why;
 * undefined for read-only RPCs (which are audited only when authentication
 * or authorisation fails).
 */
export function auditReasonOf(method: DescMethod): AuditReason | undefined {
  if (UNAUDITED_SERVICES.has(method.parent.typeName)) return undefined;
  if (TOKEN_READS.has(actionOf(method))) return "token_read";
  if (READ_ONLY_PREFIXES.some((prefix) => isReadOnlyName(method.name, prefix))) return undefined;
  return "mutation";
}

// "Get" + "Access…" is a read, "Getaway" would not be: the prefix must end a word.
function isReadOnlyName(name: string, prefix: string): boolean {
  const next = name.charAt(prefix.length);
  return name.startsWith(prefix) && next >= "A" && next <= "Z";
}
