import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ApiKeySchema, type ApiKey } from "@warden/proto/admin/v1";
import type { ListedApiKeyRow } from "./repositories/tenancy.repository.js";

const ts = (date: Date | null) => (date ? timestampFromDate(date) : undefined);

/**
 * API key row → warden.admin.v1.ApiKey. The row it takes has no key_hash
 * column at all (listApiKeys never selects it), so neither the secret nor its
 * hash can reach a response.
 */
export function apiKeyToProto(row: ListedApiKeyRow): ApiKey {
  return create(ApiKeySchema, {
    keyId: row.id,
    orgId: row.org_id,
    projectId: row.project_id ?? "",
    scopes: row.scopes,
    createdAt: ts(row.created_at),
    expiresAt: ts(row.expires_at),
    lastUsedAt: ts(row.last_used_at),
    revokedAt: ts(row.revoked_at),
  });
}
