import type { ProviderResponseStyle } from "./client-authentication.js";
/** Why a revocation should be tried again later. */
export type RevokeRetryReason =
  "rate_limited" | "server_error" | "timeout" | "network_error" | "invalid_response";

/** What one RFC 7009 revocation attempt came to. */
export type RevokeOutcome =
  | { kind: "revoked" }
  /** Transient: back off (honouring `retryAfterMs` when the provider sent Retry-After) and try again. */
  | { kind: "retry"; errorCode: RevokeRetryReason; status?: number; retryAfterMs?: number }
  /** Permanent: the provider refused; `errorCode` is its own `error` code when it sent a usable one. */
  | { kind: "failed"; errorCode: string; status: number; errorDescription?: string };

/** The parts of an HTTP answer classification needs. */
export interface RevokeHttpAnswer {
  status: number;
  retryAfter: string | undefined;
  body: string;
}

// An error code we are willing to store and show: the provider's own token, never free text.
const ERROR_CODE = /^[A-Za-z0-9_.:-]{1,64}$/;
const MAX_DESCRIPTION = 200;
const MAX_RETRY_AFTER_MS = 60 * 60_000;
// Slack answers rate limits as {"ok": false, "error": "ratelimited"} on some endpoints.
const SLACK_RETRY_CODES = new Set([
  "ratelimited",
  "rate_limited",
  "internal_error",
  "fatal_error",
  "service_unavailable",
]);

/**
 * Classifies a revoke endpoint's answer: 200 is revoked (RFC 7009 §2.2, unknown
 * tokens included) unless the Slack style says `{"ok": false}` (or an
 * errors-in-200 provider's body carries `error`); 429 and 5xx are
 * retried (with Retry-After); any other status fails with the provider's error
 * code. `secrets` are scrubbed from the description that is kept.
 */
export function classifyRevokeAnswer(
  answer: RevokeHttpAnswer,
  responseStyle: ProviderResponseStyle,
  secrets: readonly string[],
  now: number = Date.now(),
): RevokeOutcome {
  const { status } = answer;
  const body = parseJsonObject(answer.body);
  if (status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(answer.retryAfter, now);
    return {
      kind: "retry",
      errorCode: status === 429 ? "rate_limited" : "server_error",
      status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  if (status >= 200 && status < 300) {
    // Providers that answer errors with 200 say so with an `error` member.
    if (responseStyle === "error_in_200" && typeof body?.error === "string") {
      return failed(errorCodeOf(body, status), status, body, secrets);
    }
    if (responseStyle !== "slack") return { kind: "revoked" };
    if (body === undefined) return { kind: "retry", errorCode: "invalid_response", status };
    if (body.ok !== false) return { kind: "revoked" };
    const code = errorCodeOf(body, status);
    if (SLACK_RETRY_CODES.has(code)) {
      const retryAfterMs = parseRetryAfter(answer.retryAfter, now);
      return {
        kind: "retry",
        errorCode: "rate_limited",
        status,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
    }
    return failed(code, status, body, secrets);
  }
  return failed(errorCodeOf(body, status), status, body, secrets);
}

function failed(
  errorCode: string,
  status: number,
  body: Record<string, unknown> | undefined,
  secrets: readonly string[],
): RevokeOutcome {
  const description = sanitiseDescription(body?.error_description, secrets);
  return {
    kind: "failed",
    errorCode,
    status,
    ...(description === undefined ? {} : { errorDescription: description }),
  };
}

function errorCodeOf(body: Record<string, unknown> | undefined, status: number): string {
  const code = body?.error;
  return typeof code === "string" && ERROR_CODE.test(code) ? code : `http_${status}`;
}

/** Keeps a provider's description short, printable and free of any secret we sent it. */
export function sanitiseDescription(value: unknown, secrets: readonly string[]): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  // Control characters would let a provider forge log lines or break a terminal.
  // eslint-disable-next-line no-control-regex
  let text = value.replace(/[\u0000-\u001f\u007f]+/g, " ");
  for (const secret of secrets) if (secret.length >= 4) text = text.split(secret).join("[redacted]");
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION - 1)}…` : text;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3), capped at an hour. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  if (text === "") return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
