export type {
  ClientAuthId,
  ProviderEntry,
  ProviderSource,
  ResponseStyleId,
  RevokeMethodId,
  SourceTopic,
} from "./provider-entry.js";
export { SOURCE_TOPICS } from "./provider-entry.js";
export { findProvider, listProviders, providerTerminalErrors } from "./find-provider.js";
export { validateProviderEntry } from "./validate-provider-entry.js";
