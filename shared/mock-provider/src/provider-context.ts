import type { RegisteredClient } from "./client-auth.js";
import type { MockProviderCounters } from "./counters.js";
import type { RandomSource } from "./seeded-random.js";
import type { ProviderSettings } from "./settings.js";
import type { TokenStore } from "./token-store.js";

/** The mutable state every route handler of one provider shares. */
export interface ProviderContext {
  /** Replaced wholesale by configure(), so a handler reads it once per request for a consistent view. */
  settings: ProviderSettings;
  readonly counters: MockProviderCounters;
  readonly store: TokenStore;
  readonly client: RegisteredClient;
  readonly random: RandomSource;
  /** Whether refresh calls are counted per refresh token (one Map entry per call: off for long benchmarks). */
  readonly countRefreshesPerToken: boolean;
  /** Aborted on close(), so pending latency timers do not hold the process open. */
  readonly closing: AbortSignal;
  /** Restores settings, tokens and counters to their state at start. */
  reset(): void;
}
