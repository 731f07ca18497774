import { ScopeKind, type Scope } from "@warden/proto/jobs/v1";
import { create } from "@bufbuild/protobuf";
import { ScopeSchema } from "@warden/proto/jobs/v1";
import { UsageError } from "./cli-io.js";

const KIND_BY_NAME: Record<string, ScopeKind> = {
  org: ScopeKind.ORG,
  project: ScopeKind.PROJECT,
  "auth-config": ScopeKind.AUTH_CONFIG,
  auth_config: ScopeKind.AUTH_CONFIG,
  account: ScopeKind.CONNECTED_ACCOUNT,
  "connected-account": ScopeKind.CONNECTED_ACCOUNT,
  connected_account: ScopeKind.CONNECTED_ACCOUNT,
};

// Ids carry their kind in the prefix, so `--scope prj_…` is enough.
const KIND_BY_PREFIX: [string, ScopeKind][] = [
  ["org_", ScopeKind.ORG],
  ["prj_", ScopeKind.PROJECT],
  ["ac_", ScopeKind.AUTH_CONFIG],
  ["ca_", ScopeKind.CONNECTED_ACCOUNT],
];

/**
 * Parses `kind:id` (org, project, auth-config, account) or a bare id whose
 * prefix names the kind; the server still validates the id itself.
 */
export function parseScope(input: string): Scope {
  const colon = input.indexOf(":");
  if (colon >= 0) {
    const kind = KIND_BY_NAME[input.slice(0, colon).toLowerCase()];
    const id = input.slice(colon + 1);
    if (kind === undefined || id === "")
      throw new UsageError(
        `--scope must be org:<id>, project:<id>, auth-config:<id> or account:<id>; got "${input}"`,
      );
    return create(ScopeSchema, { kind, id });
  }
  const byPrefix = KIND_BY_PREFIX.find(([prefix]) => input.startsWith(prefix));
  if (!byPrefix) throw new UsageError(`--scope must be kind:id or an org_/prj_/ac_/ca_ id; got "${input}"`);
  return create(ScopeSchema, { kind: byPrefix[1], id: input });
}
