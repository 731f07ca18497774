import { PROVIDER_CATALOG } from "./catalog/index.js";
import type { ProviderEntry } from "./provider-entry.js";

const BY_ID = new Map(PROVIDER_CATALOG.map((entry) => [entry.id, entry]));

/** The catalog entry for `id`, or undefined for an id the catalog does not hold. */
export function findProvider(id: string): ProviderEntry | undefined {
  return BY_ID.get(id);
}

/** Every catalog entry, sorted by id. */
export function listProviders(): readonly ProviderEntry[] {
  return PROVIDER_CATALOG;
}

/** The provider's terminal error codes, for classifying a refresh failure; empty lists for an unknown id. */
export function providerTerminalErrors(id: string | null | undefined): {
  account: readonly string[];
  app: readonly string[];
} {
  const entry = id ? BY_ID.get(id) : undefined;
  return { account: entry?.accountTerminalErrors ?? [], app: entry?.appTerminalErrors ?? [] };
}
