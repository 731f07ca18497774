import { clientSecretAssociatedData, type Keyring } from "@warden/crypto";
import type { Database, ResponseStyleColumn } from "@warden/db";
import { effectiveRevokeMethod, type OAuthClientCredentials, type RevokeMethod } from "@warden/oauth";
import { findProvider } from "@warden/providers";
import type { Kysely } from "kysely";
import { findRevokeAuthConfig, type RevokeAuthConfigRow } from "../repositories/auth-configs.repository.js";

/** How an auth config's accounts are revoked, with the client secret opened (memory only, never logged). */
export interface RevokeClient {
  authConfigId: string;
  revokeUrl: string | null;
  /** The dialect revocation speaks: the auth config's revoke_method, or RFC 7009 iff it has a revoke_url. */
  revokeMethod: RevokeMethod;
  /** Set when the provider is never called: why items are SKIPPED, naming the provider. */
  skip: { code: string; message: string } | null;
  credentials: OAuthClientCredentials;
  responseStyle: ResponseStyleColumn;
}

/** Why an auth config's items are SKIPPED without a provider call, or null when the provider is called. */
function skipReason(row: RevokeAuthConfigRow): RevokeClient["skip"] {
  if (effectiveRevokeMethod(row.revoke_method, row.revoke_url) !== "none") return null;
  const who = (row.provider ? findProvider(row.provider)?.name : undefined) ?? `auth config ${row.id}`;
  return row.revoke_method === "none"
    ? { code: "revoke_unsupported", message: `${who} cannot revoke a single token; tokens wiped locally` }
    : { code: "no_revoke_url", message: `${who} has no revoke_url; tokens wiped locally` };
}

/** Per-process cache of revoke clients. */
export interface AuthConfigCache {
  /** The auth config's revoke client, or undefined if the row is gone. */
  get(authConfigId: string): Promise<RevokeClient | undefined>;
}

/**
 * Caches each auth config's revoke client for `ttlMs`, so a 100k-item job reads
 * and decrypts its auth config once per interval rather than once per item,
 * while an edited secret or revoke_url is picked up within the interval.
 */
export function createAuthConfigCache(options: {
  db: Kysely<Database>;
  keyring: Keyring;
  ttlMs: number;
}): AuthConfigCache {
  const entries = new Map<string, { at: number; value: Promise<RevokeClient | undefined> }>();
  const load = async (id: string): Promise<RevokeClient | undefined> => {
    const row = await findRevokeAuthConfig(options.db, id);
    if (row === undefined) return undefined;
    const clientSecret =
      row.client_secret_ciphertext === null || row.client_secret_key_id === null
        ? null
        : options.keyring.open(
            { keyId: row.client_secret_key_id, ciphertext: row.client_secret_ciphertext },
            clientSecretAssociatedData(row.id),
          );
    return {
      authConfigId: row.id,
      revokeUrl: row.revoke_url,
      revokeMethod: effectiveRevokeMethod(row.revoke_method, row.revoke_url),
      skip: skipReason(row),
      credentials: { clientId: row.client_id, clientSecret, method: row.client_auth },
      responseStyle: row.response_style,
    };
  };
  return {
    get(authConfigId) {
      const now = Date.now();
      const cached = entries.get(authConfigId);
      if (cached !== undefined && now - cached.at < options.ttlMs) return cached.value;
      const value = load(authConfigId);
      entries.set(authConfigId, { at: now, value });
      // A failed load must not be served from the cache until it expires.
      value.catch(() => entries.get(authConfigId)?.value === value && entries.delete(authConfigId));
      return value;
    },
  };
}
