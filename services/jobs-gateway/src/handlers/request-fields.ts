import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { invalidArgument } from "@warden/errors";

// Field checks shared by the gateway's handlers. Every failure names the
// field, so a caller knows exactly what to fix.

// C0 controls (NUL included: PostgreSQL text cannot hold 0x00), DEL and C1
// controls. Names, ids and labels are one line of visible text; tokens and
// client secrets are printable ASCII in every OAuth provider's grammar (RFC
// 6749 VSCHAR), so no field Warden takes has a use for any of these.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** Throws INVALID_ARGUMENT naming the field if value holds a control character (the value is never echoed). */
export function rejectControlCharacters(field: string, value: string): void {
  if (CONTROL_CHARACTERS.test(value)) throw invalidArgument(field, "must not contain control characters");
}

/** A required, trimmed text field of at most max characters, without control characters. */
export function requiredText(field: string, value: string, max: number): string {
  // Checked before trimming: a trailing newline is a control character too,
  // not whitespace to forgive.
  rejectControlCharacters(field, value);
  const trimmed = value.trim();
  if (!trimmed) throw invalidArgument(field, "is required");
  if (trimmed.length > max) throw invalidArgument(field, `must be at most ${max} characters`);
  return trimmed;
}

/** An optional text field: empty means absent. */
export function optionalText(field: string, value: string, max: number): string | null {
  return value.trim() ? requiredText(field, value, max) : null;
}

/** A secret (token, client secret): required, bounded, without control characters, never trimmed or echoed. */
export function requiredSecret(field: string, value: string, max = 8192): string {
  if (!value) throw invalidArgument(field, "is required");
  if (value.length > max) throw invalidArgument(field, `must be at most ${max} characters`);
  rejectControlCharacters(field, value);
  return value;
}

/** An optional secret: empty means absent. */
export function optionalSecret(field: string, value: string, max = 8192): string | null {
  return value ? requiredSecret(field, value, max) : null;
}

/** An optional timestamp within a sane range. */
export function optionalTimestamp(field: string, value: Timestamp | undefined): Date | null {
  if (!value) return null;
  const date = timestampDate(value);
  const year = date.getUTCFullYear();
  if (!Number.isFinite(date.getTime()) || year < 2000 || year > 2200)
    throw invalidArgument(field, "is out of range");
  return date;
}

/** A list of short strings, each checked, at most maxItems. */
export function stringList(field: string, values: string[], maxItems: number, maxLength: number): string[] {
  if (values.length > maxItems) throw invalidArgument(field, `must have at most ${maxItems} entries`);
  return values.map((v, i) => requiredText(`${field}[${i}]`, v, maxLength));
}
