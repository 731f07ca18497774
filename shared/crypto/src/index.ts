export type { Sealed } from "./keyring.js";
export { Keyring, loadKeyring } from "./keyring.js";
export { newSecretToken, hashSecretToken, constantTimeEqual } from "./secret-token.js";
export {
  accountTokenAssociatedData,
  clientSecretAssociatedData,
  connectVerifierAssociatedData,
} from "./associated-data.js";
export type { SealedAccountTokens, AccountTokenBinding } from "./account-tokens.js";
export { sealAccountTokens, openAccountToken } from "./account-tokens.js";
