/** Routes the provider counts requests for; `dialect` is every provider-dialect route (see dialect-routes.ts). */
export type CountedRoute = "token" | "revoke" | "dialect" | "control" | "health" | "notFound";

/** The provider dialects served under their own path prefix, besides the RFC routes at /oauth/*. */
export type MockDialect = "google" | "slack" | "github" | "dropbox" | "hubspot";

/** What one dialect's routes saw. */
export interface DialectCounters {
  /** Token endpoint requests (any outcome). */
  tokenCalls: number;
  /** Revoke requests (any outcome, including injected faults). */
  revokeCalls: number;
  /** Revocations performed and answered as success. */
  revocations: number;
}

export const MOCK_DIALECTS: readonly MockDialect[] = ["google", "slack", "github", "dropbox", "hubspot"];

/** Live counts of what the provider saw and answered; the same object for the provider's whole life. */
export interface MockProviderCounters {
  /** Every request, by route, counted before any fault is applied. */
  requests: Record<CountedRoute, number>;
  /** Token requests with grant_type=authorization_code (any outcome). */
  authorizationCodeCalls: number;
  /** Token requests with grant_type=refresh_token (any outcome, including injected faults). */
  refreshCalls: number;
  /** Refreshes answered with a new access token. */
  refreshSuccesses: number;
  /** Answers carrying invalid_grant (or Slack's invalid_refresh_token / invalid_code), forced ones included. */
  invalidGrant: number;
  /** Rotated refresh tokens presented again (each killed its family). */
  reuseDetections: number;
  /** Answers carrying invalid_client (or Slack's invalid_client_id / bad_client_secret). */
  invalidClient: number;
  /** Revoke requests (any outcome, including injected faults). */
  revokeCalls: number;
  /** Revocations performed and answered 200 (unknown tokens included, per RFC 7009 §2.2). */
  revokeSuccesses: number;
  /** 429 answers. */
  rateLimited: number;
  /** 5xx answers. */
  serverErrors: number;
  /** Requests that authenticated the client with HTTP Basic. */
  clientAuthBasic: number;
  /** Requests that authenticated the client with form parameters. */
  clientAuthPost: number;
  /** Per-dialect counts of the dialect routes; the RFC routes are counted by the fields above. */
  byDialect: Record<MockDialect, DialectCounters>;
  /** Refresh requests per presented refresh token (any outcome): "one provider call per account". */
  refreshCallsByToken: Map<string, number>;
  /** Revoke requests per presented token (any outcome, retries included). */
  revokeCallsByToken: Map<string, number>;
  /** Revocations performed per token: "each account revoked exactly once". */
  revocationsByToken: Map<string, number>;
}

/** Returns zeroed counters. */
export function createCounters(): MockProviderCounters {
  return {
    requests: { token: 0, revoke: 0, dialect: 0, control: 0, health: 0, notFound: 0 },
    authorizationCodeCalls: 0,
    refreshCalls: 0,
    refreshSuccesses: 0,
    invalidGrant: 0,
    reuseDetections: 0,
    invalidClient: 0,
    revokeCalls: 0,
    revokeSuccesses: 0,
    rateLimited: 0,
    serverErrors: 0,
    clientAuthBasic: 0,
    clientAuthPost: 0,
    byDialect: Object.fromEntries(
      MOCK_DIALECTS.map((dialect) => [dialect, { tokenCalls: 0, revokeCalls: 0, revocations: 0 }]),
    ) as Record<MockDialect, DialectCounters>,
    refreshCallsByToken: new Map(),
    revokeCallsByToken: new Map(),
    revocationsByToken: new Map(),
  };
}

/** Zeroes `counters` in place, so references held by tests stay live. */
export function resetCounters(counters: MockProviderCounters): void {
  const fresh = createCounters();
  for (const route of Object.keys(counters.requests) as CountedRoute[]) counters.requests[route] = 0;
  counters.refreshCallsByToken.clear();
  counters.revokeCallsByToken.clear();
  counters.revocationsByToken.clear();
  for (const dialect of MOCK_DIALECTS) Object.assign(counters.byDialect[dialect], fresh.byDialect[dialect]);
  Object.assign(counters, {
    ...fresh,
    requests: counters.requests,
    byDialect: counters.byDialect,
    refreshCallsByToken: counters.refreshCallsByToken,
    revokeCallsByToken: counters.revokeCallsByToken,
    revocationsByToken: counters.revocationsByToken,
  });
}

/** Adds one to `key` in a per-token map. */
export function countToken(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** The JSON shape of counters served by `GET /__counters`: Maps become plain objects. */
export type CountersJson = Omit<
  MockProviderCounters,
  "refreshCallsByToken" | "revokeCallsByToken" | "revocationsByToken"
> & {
  refreshCallsByToken: Record<string, number>;
  revokeCallsByToken: Record<string, number>;
  revocationsByToken: Record<string, number>;
};

/** Returns a JSON-safe snapshot of `counters`. */
export function countersToJson(counters: MockProviderCounters): CountersJson {
  return {
    ...counters,
    requests: { ...counters.requests },
    byDialect: structuredClone(counters.byDialect),
    refreshCallsByToken: Object.fromEntries(counters.refreshCallsByToken),
    revokeCallsByToken: Object.fromEntries(counters.revokeCallsByToken),
    revocationsByToken: Object.fromEntries(counters.revocationsByToken),
  };
}
