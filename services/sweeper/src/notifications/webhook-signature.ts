import { createHmac, timingSafeEqual } from "node:crypto";

/** Header carrying the Unix time (seconds) the signature covers. */
export const TIMESTAMP_HEADER = "x-warden-timestamp";
/** Header carrying `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`. */
export const SIGNATURE_HEADER = "x-warden-signature";
/** Header carrying the notification's idempotency key. */
export const IDEMPOTENCY_HEADER = "idempotency-key";

/** The signature header value for `body` sent at `timestamp` (binding the time stops replays of old bodies). */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** True when `signature` is ours for this body and timestamp, and the timestamp is within `toleranceSeconds` of now. */
export function verifyWebhook(
  secret: string,
  timestamp: string,
  body: string,
  signature: string,
  toleranceSeconds = 300,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  const time = Number(timestamp);
  if (!Number.isInteger(time) || Math.abs(nowSeconds - time) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, time, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
