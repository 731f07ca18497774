import type { ContextValues } from "@connectrpc/connect";
import { principalKey } from "@warden/auth";
import type { AuditActorKindColumn } from "@warden/db";

/** Who made a call, as the audit log and the RPC log line name them; never a secret. */
export interface AuditActor {
  kind: AuditActorKindColumn;
  /** key_… or ls_…; null for the operator and anonymous callers. */
  id: string | null;
  /** The org the actor belongs to; null for the operator and anonymous callers. */
  orgId: string | null;
}

/** The caller the auth interceptor left in the context, or anonymous if it did not authenticate. */
export function actorOf(values: ContextValues): AuditActor {
  const principal = values.get(principalKey);
  switch (principal?.kind) {
    case undefined:
      return { kind: "anonymous", id: null, orgId: null };
    case "operator":
      return { kind: "operator", id: null, orgId: null };
    case "api_key":
      return { kind: "api_key", id: principal.keyId, orgId: principal.orgId };
    case "lease":
      return { kind: "lease", id: principal.leaseId, orgId: principal.orgId };
  }
}
