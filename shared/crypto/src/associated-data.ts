// Associated data binds each ciphertext to the row and field it belongs to, so
// a ciphertext copied onto another row (or into another column) fails to open.
// Accounts are bound to (auth config, external user) rather than to their id
// because an import may upsert onto an existing row.

/** Associated data for an account's access or refresh token. */
export function accountTokenAssociatedData(
  authConfigId: string,
  externalUserId: string,
  which: "access" | "refresh",
): string {
  return `account-token/${which}/${authConfigId}/${externalUserId}`;
}

/** Associated data for an auth config's client secret. */
export function clientSecretAssociatedData(authConfigId: string): string {
  return `client-secret/${authConfigId}`;
}

/** Associated data for a connect session's PKCE code verifier. */
export function connectVerifierAssociatedData(sessionId: string): string {
  return `connect-session/verifier/${sessionId}`;
}
