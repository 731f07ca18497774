import { constantTimeEqual, hashSecretToken } from "@warden/crypto";
import type { Database } from "@warden/db";
import { unauthenticated } from "@warden/errors";
import type { Kysely } from "kysely";
import type { LastUsedRecorder } from "./last-used-recorder.js";
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
  /** Told of every successful API key use (cached or not); writes last_used_at coalesced. */
  lastUsed?: LastUsedRecorder;
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
    if (cached && cached.until > Date.now()) {
      if (cached.principal.kind === "api_key") options.lastUsed?.touch(cached.principal.keyId);
      return cached.principal;
    }

    const now = new Date();
    const key = await options.db
      .selectFrom("api_keys")
      .select(["id", "org_id", "project_id", "scopes", "expires_at"])
      .where("key_hash", "=", hash)
      .where("revoked_at", "is", null)
      .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
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
      // A cached key must not outlive its expiry: past expires_at it is
      // UNAUTHENTICATED at once, not up to cacheMs later.
      const until = Math.min(Date.now() + cacheMs, key.expires_at?.getTime() ?? Infinity);
      cache.set(hash, { principal, until });
      options.lastUsed?.touch(key.id, now);
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
