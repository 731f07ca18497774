import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * A new bearer secret: a readable prefix (so leaked keys are recognisable by
 * scanners) and 32 random bytes. High entropy is why a plain SHA-256 is the
 * right stored form: there is nothing to brute-force.
 */
export function newSecretToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString("base64url")}`;
}

/** The stored form of a bearer secret: hex SHA-256. */
export function hashSecretToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Constant-time comparison of two strings of any length. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = createHash("sha256").update(a).digest();
  const right = createHash("sha256").update(b).digest();
  return timingSafeEqual(left, right);
}
