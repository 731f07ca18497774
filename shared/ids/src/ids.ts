import { randomBytes } from "node:crypto";
import { invalidArgument } from "@warden/errors";

/** Every id prefix Warden issues. A job's prefix encodes its class: oj_ for org scope, pj_ otherwise. */
export const ID_PREFIXES = {
  org: "org",
  project: "prj",
  authConfig: "ac",
  account: "ca",
  lease: "ls",
  apiKey: "key",
  auditEvent: "aud",
  orgJob: "oj",
  projectJob: "pj",
  connectSession: "cs",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

// 16 random bytes in Crockford-free lowercase base32 keeps ids URL-, subject-
// and filename-safe (NATS subjects use job ids as tokens).
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const BODY_LENGTH = 26;
const BODY = new RegExp(`^[${ALPHABET}]{${BODY_LENGTH}}$`);

function encodeBody(bytes: Buffer): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out.slice(0, BODY_LENGTH);
}

/** Returns a new random id with the kind's prefix, e.g. `ca_0f3…`. */
export function newId(kind: IdKind): string {
  return `${ID_PREFIXES[kind]}_${encodeBody(randomBytes(17))}`;
}

/** True when value is a well-formed id of one of the kinds. */
export function isId(value: string, ...kinds: IdKind[]): boolean {
  const underscore = value.indexOf("_");
  if (underscore < 0) return false;
  const prefix = value.slice(0, underscore);
  return kinds.some((k) => ID_PREFIXES[k] === prefix) && BODY.test(value.slice(underscore + 1));
}

/**
 * Returns value if it is a well-formed id of one of the kinds; otherwise throws
 * INVALID_ARGUMENT naming the field (empty, malformed and wrong-prefix alike).
 */
export function parseId(field: string, value: string, ...kinds: IdKind[]): string {
  if (!value) throw invalidArgument(field, "is required");
  if (!isId(value, ...kinds)) {
    const expected = kinds.map((k) => `${ID_PREFIXES[k]}_…`).join(" or ");
    throw invalidArgument(field, `must be an id of the form ${expected}`);
  }
  return value;
}
