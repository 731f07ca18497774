/** The two provider endpoints that faults and forced errors can target. */
export type ProviderEndpoint = "token" | "revoke";

/**
 * Answer shape: RFC 6749/7009 HTTP statuses, Slack's HTTP 200 with `{"ok": false}`,
 * or RFC 6749 error bodies sent with HTTP 200 (GitHub's token endpoint).
 */
export type ResponseStyle = "rfc6749" | "slack" | "error_in_200";

/** An error the provider answers instead of doing the real work. */
export interface ForcedError {
  /** HTTP status (RFC style; in Slack style only 429 and 5xx keep their status). */
  status: number;
  /** The OAuth error code, e.g. `invalid_grant`, sent verbatim in both styles. */
  error: string;
  errorDescription?: string;
  /** Sent as the `Retry-After` header when set. */
  retryAfterSeconds?: number;
  /** Answer this many times, then clear itself; absent means until cleared. */
  times?: number;
}

/** Everything about the provider's behaviour that can change while it runs. */
export interface ProviderSettings {
  responseStyle: ResponseStyle;
  /** Each refresh returns a new refresh token and retires the presented one. */
  rotateRefreshTokens: boolean;
  /** Lifetime of issued access tokens, in seconds. */
  expiresIn: number;
  /** Leave `expires_in` out of token answers (the token still expires internally). */
  omitExpiresIn: boolean;
  latencyMs: number;
  /**
   * Delay after a refresh_token grant was performed (a rotation already
   * retired the presented token) and before its answer is sent: the window in
   * which a client dies holding the only copy of the rotated token. Not a
   * fault-endpoint setting: it applies to every refresh.
   */
  answerLatencyMs: number;
  /** Extra uniformly random delay in [0, latencyJitterMs), drawn from the provider's RNG. */
  latencyJitterMs: number;
  /** Probability in [0, 1] of answering 429. */
  rate429: number;
  /** `Retry-After` value on injected 429s; null sends no header. */
  retryAfterSeconds: number | null;
  /** Probability in [0, 1] of answering `status5xx`. */
  rate5xx: number;
  status5xx: number;
  /** Answer an HTML page instead of JSON, as a misrouted proxy would. */
  nonJson: boolean;
  nonJsonStatus: number;
  /** Never answer (for client timeout tests); the socket stays open until the client gives up. */
  hang: boolean;
  forceError: Partial<Record<ProviderEndpoint, ForcedError>>;
  /** Endpoints that latency, hang, rate429, rate5xx and nonJson apply to. */
  faultEndpoints: ProviderEndpoint[];
}

/** A partial update; `forceError` merges per endpoint and `null` clears an entry (or all of them). */
export type SettingsPatch = Partial<Omit<ProviderSettings, "forceError">> & {
  forceError?: Partial<Record<ProviderEndpoint, ForcedError | null>> | null;
};

const ENDPOINTS: readonly ProviderEndpoint[] = ["token", "revoke"];

/** Returns a fresh settings object with no faults and RFC-style answers. */
export function defaultSettings(): ProviderSettings {
  return {
    responseStyle: "rfc6749",
    rotateRefreshTokens: true,
    expiresIn: 3600,
    omitExpiresIn: false,
    latencyMs: 0,
    answerLatencyMs: 0,
    latencyJitterMs: 0,
    rate429: 0,
    retryAfterSeconds: 1,
    rate5xx: 0,
    status5xx: 503,
    nonJson: false,
    nonJsonStatus: 200,
    hang: false,
    forceError: {},
    faultEndpoints: [...ENDPOINTS],
  };
}

type Check = (value: unknown, field: string) => void;

const fail = (field: string, expected: string): never => {
  throw new RangeError(`mock provider setting "${field}" must be ${expected}`);
};
const numberIn =
  (min: number, max: number): Check =>
  (value, field) => {
    if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
      fail(field, `a number in [${min}, ${max}]`);
    }
  };
const bool: Check = (value, field) => {
  if (typeof value !== "boolean") fail(field, "a boolean");
};
const MAX_SECONDS = 10 * 365 * 24 * 3600;

// One table of checks, so the control endpoint (untyped JSON) and configure()
// (typed, but maybe from a test's `as any`) reject the same mistakes.
const CHECKS: Record<Exclude<keyof ProviderSettings, "forceError">, Check> = {
  responseStyle: (value, field) => {
    if (value !== "rfc6749" && value !== "slack" && value !== "error_in_200") {
      fail(field, '"rfc6749", "slack" or "error_in_200"');
    }
  },
  rotateRefreshTokens: bool,
  expiresIn: numberIn(0, MAX_SECONDS),
  omitExpiresIn: bool,
  latencyMs: numberIn(0, 600_000),
  answerLatencyMs: numberIn(0, 600_000),
  latencyJitterMs: numberIn(0, 600_000),
  rate429: numberIn(0, 1),
  retryAfterSeconds: (value, field) => {
    if (value !== null) numberIn(0, MAX_SECONDS)(value, field);
  },
  rate5xx: numberIn(0, 1),
  status5xx: numberIn(500, 599),
  nonJson: bool,
  nonJsonStatus: numberIn(100, 599),
  hang: bool,
  faultEndpoints: (value, field) => {
    if (!Array.isArray(value) || !value.every((e) => ENDPOINTS.includes(e as ProviderEndpoint))) {
      fail(field, 'an array of "token" | "revoke"');
    }
  },
};

function checkForcedError(value: unknown, field: string): ForcedError {
  if (typeof value !== "object" || value === null) return fail(field, "an object");
  const forced = value as Record<string, unknown>;
  numberIn(100, 599)(forced.status, `${field}.status`);
  if (typeof forced.error !== "string" || forced.error === "") fail(`${field}.error`, "a non-empty string");
  if (forced.errorDescription !== undefined && typeof forced.errorDescription !== "string") {
    fail(`${field}.errorDescription`, "a string");
  }
  if (forced.retryAfterSeconds !== undefined) {
    numberIn(0, MAX_SECONDS)(forced.retryAfterSeconds, `${field}.retryAfterSeconds`);
  }
  if (forced.times !== undefined) numberIn(1, Number.MAX_SAFE_INTEGER)(forced.times, `${field}.times`);
  // Copy so later `times` bookkeeping never mutates the caller's object.
  return { ...(forced as unknown as ForcedError) };
}

/** Returns `current` with `patch` applied, or throws a RangeError naming the first bad or unknown field. */
export function applySettingsPatch(current: ProviderSettings, patch: unknown): ProviderSettings {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
    throw new RangeError("mock provider settings patch must be a JSON object");
  }
  const next: ProviderSettings = {
    ...current,
    forceError: cloneForceError(current.forceError),
    faultEndpoints: [...current.faultEndpoints],
  };
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (field === "forceError") {
      next.forceError = mergeForceError(next.forceError, value);
    } else if (Object.hasOwn(CHECKS, field)) {
      const key = field as keyof typeof CHECKS;
      CHECKS[key](value, field);
      (next as unknown as Record<string, unknown>)[key] = Array.isArray(value) ? [...value] : value;
    } else {
      // Strict on purpose: a typo in a test's fault setup should fail loudly, not silently do nothing.
      throw new RangeError(`unknown mock provider setting "${field}"`);
    }
  }
  return next;
}

// Entries are copied too: a forced error's `times` counts down in place, and must
// never count down the initial settings that reset() restores.
function cloneForceError(forceError: ProviderSettings["forceError"]): ProviderSettings["forceError"] {
  const copy: ProviderSettings["forceError"] = {};
  for (const endpoint of ENDPOINTS) {
    const forced = forceError[endpoint];
    if (forced) copy[endpoint] = { ...forced };
  }
  return copy;
}

function mergeForceError(
  current: ProviderSettings["forceError"],
  value: unknown,
): ProviderSettings["forceError"] {
  if (value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) return fail("forceError", "an object or null");
  const merged = { ...current };
  for (const [endpoint, forced] of Object.entries(value as Record<string, unknown>)) {
    if (!ENDPOINTS.includes(endpoint as ProviderEndpoint)) fail("forceError", 'keyed by "token" | "revoke"');
    const key = endpoint as ProviderEndpoint;
    if (forced === null || forced === undefined) delete merged[key];
    else merged[key] = checkForcedError(forced, `forceError.${key}`);
  }
  return merged;
}
