export { startMockProvider } from "./start-mock-provider.js";
export type { MockProvider, MockProviderOptions } from "./start-mock-provider.js";
export { createSeededRandom } from "./seeded-random.js";
export type { RandomSource } from "./seeded-random.js";
export { defaultSettings } from "./settings.js";
export type {
  ForcedError,
  ProviderEndpoint,
  ProviderSettings,
  ResponseStyle,
  SettingsPatch,
} from "./settings.js";
export type {
  MockProviderCounters,
  CountersJson,
  CountedRoute,
  MockDialect,
  DialectCounters,
} from "./counters.js";
export { MOCK_DIALECTS } from "./counters.js";
export { DIALECT_PATHS } from "./dialect-routes.js";
export type { ClientAuthMethod } from "./client-auth.js";
export type { SeedTokens, SeedTokensOptions } from "./seed-tokens.js";
export { PROVIDER_PATHS } from "./request-listener.js";
