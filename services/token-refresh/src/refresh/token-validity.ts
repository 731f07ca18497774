import type { TokenAccount } from "../repositories/token-accounts.repository.js";

/**
 * When the stored access token stops being usable. A provider that sent no
 * expires_in leaves `expires_at` null; RFC 6749 §5.1 then leaves the lifetime
 * to "other means", so Warden assumes `unknownExpiryLifetimeS` from when the
 * token was stored (last refresh, else the last write of the row) and
 * refreshes after that rather than serving a possibly dead token forever.
 */
export function effectiveExpiry(account: TokenAccount, unknownExpiryLifetimeS: number): Date {
  if (account.expires_at) return account.expires_at;
  const issuedAt = account.last_refreshed_at ?? account.updated_at;
  return new Date(issuedAt.getTime() + unknownExpiryLifetimeS * 1000);
}

/** True when the account has an access token that stays valid for at least `minValidSeconds` from `now`. */
export function isFreshFor(
  account: TokenAccount,
  minValidSeconds: number,
  now: number,
  unknownExpiryLifetimeS: number,
): boolean {
  if (account.access_token_ciphertext === null || account.token_key_id === null) return false;
  return effectiveExpiry(account, unknownExpiryLifetimeS).getTime() - now >= minValidSeconds * 1000;
}
