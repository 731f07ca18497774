import { createHash, randomBytes } from "node:crypto";

/** A PKCE pair (RFC 7636): the verifier stays with us, the S256 challenge goes to the provider. */
export interface PkcePair {
  verifier: string;
  challenge: string;
  method: "S256";
}

const base64url = (bytes: Buffer) => bytes.toString("base64url");

/** A fresh code verifier (32 random bytes, 43 characters) and its S256 challenge. */
export function createPkcePair(): PkcePair {
  const verifier = base64url(randomBytes(32));
  return { verifier, challenge: pkceChallengeOf(verifier), method: "S256" };
}

/** The S256 challenge of a verifier: BASE64URL(SHA256(verifier)), RFC 7636 §4.2. */
export function pkceChallengeOf(verifier: string): string {
  return base64url(createHash("sha256").update(verifier, "ascii").digest());
}

/** An unguessable one-time `state` value (32 random bytes); only its hash is stored. */
export function createOAuthState(): string {
  return base64url(randomBytes(32));
}

/** The hash a `state` is stored and looked up by, so a database read never reveals a usable state. */
export function hashOAuthState(state: string): string {
  return createHash("sha256").update(state, "utf8").digest("hex");
}
