export type { Sealed } from "./keyring.js";
export { Keyring, loadKeyring } from "./keyring.js";
export { newSecretToken, hashSecretToken, constantTimeEqual } from "./secret-token.js";
