import { accountTokenAssociatedData } from "./associated-data.js";
import type { Keyring } from "./keyring.js";

/** An account's tokens as stored: both sealed with one key, whose id sits beside them. */
export interface SealedAccountTokens {
  access: Buffer;
  refresh: Buffer | null;
  keyId: string;
}

/** Where an account's ciphertexts are bound (see accountTokenAssociatedData). */
export interface AccountTokenBinding {
  authConfigId: string;
  externalUserId: string;
}

/** Seals an account's access and (optional) refresh token with the active key. */
export function sealAccountTokens(
  keyring: Keyring,
  binding: AccountTokenBinding,
  tokens: { access: string; refresh: string | null },
): SealedAccountTokens {
  const access = keyring.seal(
    tokens.access,
    accountTokenAssociatedData(binding.authConfigId, binding.externalUserId, "access"),
  );
  const refresh =
    tokens.refresh === null
      ? null
      : keyring.seal(
          tokens.refresh,
          accountTokenAssociatedData(binding.authConfigId, binding.externalUserId, "refresh"),
        );
  return { access: access.ciphertext, refresh: refresh?.ciphertext ?? null, keyId: access.keyId };
}

/** Opens one of an account's stored tokens. */
export function openAccountToken(
  keyring: Keyring,
  binding: AccountTokenBinding,
  which: "access" | "refresh",
  sealed: { ciphertext: Buffer; keyId: string },
): string {
  return keyring.open(
    sealed,
    accountTokenAssociatedData(binding.authConfigId, binding.externalUserId, which),
  );
}
