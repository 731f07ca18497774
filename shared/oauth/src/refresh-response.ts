import {
  classifyProviderError,
  type RefreshFailureClass,
  type TerminalErrorCodes,
} from "./classify-provider-error.js";
import { parseRetryAfter } from "./revoke-response.js";

/** New tokens from a successful refresh (RFC 6749 §5.1). */
export interface RefreshedTokens {
  kind: "refreshed";
  accessToken: string;
  tokenType: string;
  /** Null when the provider did not rotate: keep the refresh token we sent. */
  refreshToken: string | null;
  /** Null when the provider sent no (usable) `expires_in`: the expiry is unknown. */
  expiresInSeconds: number | null;
}

/** A refresh that did not produce tokens; `errorCode` is a safe token, never free text. */
export interface RefreshFailure {
  kind: "failed";
  failureClass: RefreshFailureClass;
  /** The provider's own code (`invalid_grant` …) or ours (`timeout`, `server_error`, `invalid_response` …). */
  errorCode: string;
  status?: number;
  retryAfterMs?: number;
}

export type RefreshOutcome = RefreshedTokens | RefreshFailure;

/** The parts of an HTTP answer classification needs. */
export interface RefreshHttpAnswer {
  status: number;
  retryAfter: string | undefined;
  body: string;
}

// An error code we are willing to store, log and return: the provider's own token, never free text.
const ERROR_CODE = /^[A-Za-z0-9_.:-]{1,64}$/;
// Slack reports throttling and its own outages inside HTTP 200 bodies.
const SLACK_TRANSIENT = new Set([
  "ratelimited",
  "rate_limited",
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
]);
// 10 years: anything longer is a provider bug we should not trust.
const MAX_EXPIRES_IN = 10 * 365 * 24 * 3600;

/**
 * Classifies a token endpoint's answer to a refresh_token grant: RFC 6749
 * success and error bodies, Slack's HTTP 200 `{"ok": false, "error"}`, 429/5xx
 * and non-JSON bodies (transient). Never copies anything but a well-formed
 * error code out of the body, so no token can leak through an outcome.
 */
export function classifyRefreshAnswer(
  answer: RefreshHttpAnswer,
  now: number = Date.now(),
  terminalErrors?: TerminalErrorCodes,
): RefreshOutcome {
  const { status } = answer;
  if (status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(answer.retryAfter, now);
    return transient(status === 429 ? "rate_limited" : "server_error", status, retryAfterMs);
  }
  const body = parseJsonObject(answer.body);
  if (body === undefined) return transient("invalid_response", status);
  const failed =
    body.ok === false || (typeof body.error === "string" && typeof body.access_token !== "string");
  if (failed || status < 200 || status >= 300) {
    const code =
      typeof body.error === "string" && ERROR_CODE.test(body.error) ? body.error : `http_${status}`;
    if (SLACK_TRANSIENT.has(code)) {
      return transient(
        code === "ratelimited" ? "rate_limited" : code,
        status,
        parseRetryAfter(answer.retryAfter, now),
      );
    }
    return {
      kind: "failed",
      failureClass: classifyProviderError(code, terminalErrors),
      errorCode: code,
      status,
    };
  }
  const accessToken = body.access_token;
  if (typeof accessToken !== "string" || accessToken === "") return transient("invalid_response", status);
  const refreshToken =
    typeof body.refresh_token === "string" && body.refresh_token !== "" ? body.refresh_token : null;
  const tokenType =
    typeof body.token_type === "string" && ERROR_CODE.test(body.token_type) ? body.token_type : "Bearer";
  return {
    kind: "refreshed",
    accessToken,
    tokenType,
    refreshToken,
    expiresInSeconds: parseExpiresIn(body.expires_in),
  };
}

function transient(errorCode: string, status: number, retryAfterMs?: number): RefreshFailure {
  return {
    kind: "failed",
    failureClass: "transient",
    errorCode,
    status,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

// Some providers send expires_in as a string; zero, negative or absurd values count as unknown.
function parseExpiresIn(value: unknown): number | null {
  const seconds = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_EXPIRES_IN)
    return null;
  return Math.floor(seconds);
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
