import { setMaxListeners } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { ClientAuthMethod } from "./client-auth.js";
import type { MockProviderCounters } from "./counters.js";
import { createCounters, resetCounters } from "./counters.js";
import type { ProviderContext } from "./provider-context.js";
import { createRequestListener, PROVIDER_PATHS } from "./request-listener.js";
import type { RandomSource } from "./seeded-random.js";
import { createSeededRandom } from "./seeded-random.js";
import type { SeedTokens, SeedTokensOptions } from "./seed-tokens.js";
import { issueSeedTokens } from "./seed-tokens.js";
import type { ProviderSettings, SettingsPatch } from "./settings.js";
import { applySettingsPatch, defaultSettings } from "./settings.js";
import { createTokenStore } from "./token-store.js";

/** Options of startMockProvider: where to listen, the registered client, and any initial settings. */
export interface MockProviderOptions extends SettingsPatch {
  /** Default 0: an ephemeral port, so parallel tests never collide. */
  port?: number;
  /** Default 127.0.0.1; the control routes are unauthenticated, so keep it on loopback. */
  host?: string;
  clientId?: string;
  clientSecret?: string;
  /** Methods accepted for client authentication; default both. */
  clientAuthMethods?: ClientAuthMethod[];
  /** Seeds the RNG behind fault rates and latency jitter, for deterministic tests. */
  seed?: number;
  /** Overrides `seed` with any RNG returning [0, 1). */
  random?: RandomSource;
  /**
   * Count refresh calls per refresh token (default true). Every rotation adds a Map entry, so long benchmarks
   * turn this off to keep memory flat; the aggregate counters are always kept.
   */
  countRefreshesPerToken?: boolean;
  /** Clock in ms for access-token expiry; default Date.now. */
  now?: () => number;
}

/** A running mock provider. */
export interface MockProvider {
  /** Base URL, e.g. `http://127.0.0.1:43123`. */
  readonly url: string;
  readonly tokenUrl: string;
  readonly revokeUrl: string;
  /** `GET`/`POST` JSON settings; `/__counters`, `/__reset`, `/__tokens`, `/__codes` sit beside it. */
  readonly controlUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Live counters: the same object across reset(), so it can be held for a whole test. */
  readonly counters: MockProviderCounters;
  /** The settings in force now (a snapshot; change them with configure()). */
  readonly settings: Readonly<ProviderSettings>;
  /** Applies a partial settings change to every later request; throws RangeError on a bad value. */
  configure(patch: SettingsPatch): void;
  /** Issues a live token family to seed a connected account, with no HTTP round trip. */
  issueTokens(options?: SeedTokensOptions): SeedTokens;
  /** Issues a single-use authorization code for grant_type=authorization_code. */
  issueCode(options?: SeedTokensOptions): string;
  /** True while the token is its family's newest refresh token and the family is not revoked. */
  isRefreshTokenLive(refreshToken: string): boolean;
  /** True while the access token is unexpired, unrevoked and its family alive. */
  isAccessTokenLive(accessToken: string): boolean;
  /** Revocations performed for this token (answered 200), retries excluded. */
  revokeCount(token: string): number;
  /** Every token revoked at least once, in first-revoked order. */
  revokedTokens(): string[];
  /** Forgets every token and zeroes counters in place, and restores the settings given at start. */
  reset(): void;
  /** Stops listening and destroys open connections, hanging ones included. */
  close(): Promise<void>;
}

const SETTINGS_KEYS = new Set<string>(Object.keys(defaultSettings()));

function splitSettings(options: MockProviderOptions): SettingsPatch {
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (SETTINGS_KEYS.has(key)) patch[key] = value;
  return patch as SettingsPatch;
}

function baseUrl(address: AddressInfo): string {
  // A wildcard bind is reached through loopback; an IPv6 literal needs brackets in a URL.
  const host =
    address.address === "0.0.0.0" || address.address === "::"
      ? "127.0.0.1"
      : address.family === "IPv6"
        ? `[${address.address}]`
        : address.address;
  return `http://${host}:${address.port}`;
}

/** Starts a mock OAuth provider over real HTTP; resolves once it is listening, rejects on a bad option. */
export async function startMockProvider(options: MockProviderOptions = {}): Promise<MockProvider> {
  const initialSettings = applySettingsPatch(defaultSettings(), splitSettings(options));
  const closing = new AbortController();
  // Every delayed answer waits on this one signal: hundreds at once is the load a benchmark asks for.
  setMaxListeners(0, closing.signal);
  const counters = createCounters();
  const store = createTokenStore({ now: options.now ?? Date.now });
  const ctx: ProviderContext = {
    settings: applySettingsPatch(initialSettings, {}),
    counters,
    store,
    client: {
      clientId: options.clientId ?? "warden-mock-client",
      clientSecret: options.clientSecret ?? "warden-mock-secret",
      methods: options.clientAuthMethods ?? ["client_secret_basic", "client_secret_post"],
    },
    random: options.random ?? (options.seed !== undefined ? createSeededRandom(options.seed) : Math.random),
    countRefreshesPerToken: options.countRefreshesPerToken ?? true,
    closing: closing.signal,
    reset() {
      ctx.settings = applySettingsPatch(initialSettings, {});
      store.clear();
      resetCounters(counters);
    },
  };

  const server = createServer({ keepAlive: true }, createRequestListener(ctx));
  // Benchmarks reuse connections hard; outlive typical client idle timeouts so the server is never the one to drop them.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0; // hang mode must be able to outwait any client timeout
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });

  const url = baseUrl(server.address() as AddressInfo);
  let closed: Promise<void> | undefined;
  return {
    url,
    tokenUrl: url + PROVIDER_PATHS.token,
    revokeUrl: url + PROVIDER_PATHS.revoke,
    controlUrl: url + PROVIDER_PATHS.control,
    clientId: ctx.client.clientId,
    clientSecret: ctx.client.clientSecret,
    counters,
    get settings() {
      return ctx.settings;
    },
    configure(patch) {
      ctx.settings = applySettingsPatch(ctx.settings, patch);
    },
    issueTokens: (seed) => issueSeedTokens(ctx, seed),
    issueCode: (seed) => store.issueCode(seed),
    isRefreshTokenLive: (token) => store.isRefreshTokenLive(token),
    isAccessTokenLive: (token) => store.isAccessTokenLive(token),
    revokeCount: (token) => counters.revocationsByToken.get(token) ?? 0,
    revokedTokens: () => [...counters.revocationsByToken.keys()],
    reset: () => ctx.reset(),
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        // Idle keep-alive sockets and hanging requests would otherwise hold close() open.
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
