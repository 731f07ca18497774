import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { UsageError } from "./cli-io.js";

/** A timestamp as `2026-11-22 08:35:12Z`; empty when unset. */
export function formatTime(ts: Timestamp | undefined): string {
  if (!ts || (ts.seconds === 0n && ts.nanos === 0)) return "";
  return timestampDate(ts)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, "Z");
}

/** A generated enum's value name (ACTIVE, NEEDS_RECONNECT, …). */
export function enumLabel(names: Record<number, string>, value: number): string {
  return names[value] ?? String(value);
}

/**
 * Parses a user-typed enum value ("needs-reconnect", "NEEDS_RECONNECT") into
 * the generated enum; a UsageError listing the choices otherwise.
 */
export function parseEnum<E extends Record<string, string | number>>(
  what: string,
  names: E,
  input: string,
): E[keyof E] {
  const key = input.trim().toUpperCase().replace(/-/g, "_");
  const value = names[key];
  if (typeof value === "number" && value !== 0) return value as E[keyof E];
  const choices = Object.keys(names)
    .filter((k) => Number.isNaN(Number(k)) && k !== "UNSPECIFIED")
    .map((k) => k.toLowerCase().replace(/_/g, "-"));
  throw new UsageError(`${what} must be one of ${choices.join(", ")}; got "${input}"`);
}

/** A count with thousands separators. */
export function formatCount(n: bigint | number): string {
  return Number(n).toLocaleString("en-US");
}

/** Parses an ISO-8601 time, or `+<seconds>` from now; a UsageError otherwise. */
export function parseTime(option: string, input: string, now = Date.now()): Date {
  const relative = /^\+(\d+)$/.exec(input);
  const date = relative ? new Date(now + Number(relative[1]) * 1000) : new Date(input);
  if (Number.isNaN(date.getTime()))
    throw new UsageError(`--${option} must be an ISO time or +seconds, got "${input}"`);
  return date;
}
