import { constantTimeEqual, hashSecretToken } from "@warden/crypto";
import type { Database } from "@warden/db";
import { unauthenticated } from "@warden/errors";
import type { Kysely } from "kysely";
import { API_SCOPES, type ApiScope, type Principal } from "./principal.js";

export interface AuthenticatorOptions {
  db: Kysely<Database>;
  /** WARDEN_ADMIN_KEY; when unset no caller is the operator. */
  adminKey: string | undefined;
  /** Accept lease tokens (only TokensService does). */
  acceptLeaseTokens?: boolean;
  /**
   * How long a verified API key is trusted without asking the database again.
   * Bounds how late RevokeApiKey takes effect; lease tokens are never cached
   * because a checked-in lease must stop working at once.
   */
  apiKeyCacheMs?: number;
}

export type Authenticate = (authorization: string | null) => Promise<Principal>;

const KNOWN_SCOPES = new Set<string>(API_SCOPES);

/**
 * Builds the function that turns an Authorization header into a Principal, or
 * throws UNAUTHENTICATED for a missing, malformed, unknown or revoked
 * credential. Only hashes are looked up; the plaintext is never stored or logged.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticate {
  const cacheMs = options.apiKeyCacheMs ?? 5000;
  const cache = new Map<string, { principal: Principal; until: number }>();

  return async (authorization) => {
    const match = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization.trim()) : null;
    if (!match) throw unauthenticated("missing bearer credential");
    const credential = match[1]!;

    if (options.adminKey && constantTimeEqual(credential, options.adminKey)) return { kind: "operator" };

    const hash = hashSecretToken(credential);
    const cached = cache.get(hash);
    if (cached && cached.until > Date.now()) return cached.principal;

    const key = await options.db
      .selectFrom("api_keys")
      .select(["id", "org_id", "project_id", "scopes"])
      .where("key_hash", "=", hash)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    if (key) {
      const principal: Principal = {
        kind: "api_key",
        keyId: key.id,
        orgId: key.org_id,
        projectId: key.project_id,
        scopes: new Set(key.scopes.filter((s): s is ApiScope => KNOWN_SCOPES.has(s))),
      };
      if (cache.size > 10_000) cache.clear();
      cache.set(hash, { principal, until: Date.now() + cacheMs });
      return principal;
    }

    if (options.acceptLeaseTokens) {
      const lease = await options.db
        .selectFrom("leases")
        .select(["id", "account_id", "org_id", "project_id"])
        .where("token_hash", "=", hash)
        .where("status", "=", "active")
        .where("expires_at", ">", new Date())
        .executeTakeFirst();
      if (lease)
        return {
          kind: "lease",
          leaseId: lease.id,
          accountId: lease.account_id,
          orgId: lease.org_id,
          projectId: lease.project_id,
        };
    }
    throw unauthenticated("unknown, revoked or expired credential");
  };
}
