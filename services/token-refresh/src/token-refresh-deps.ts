import type { Keyring } from "@warden/crypto";
import type { Database } from "@warden/db";
import type { Logger } from "@warden/logger";
import type { Kysely } from "kysely";
import type { AccountReader } from "./repositories/coalesced-account-reader.js";
import type { RefreshCoordinator } from "./refresh/refresh-coordinator.js";
import type { RefreshMetrics } from "./refresh/refresh-metrics.js";
import type { TokenRowCache } from "./refresh/token-row-cache.js";

/** What TokensService and the refresh-due consumer need; built once in main.ts (or a test). */
export interface TokenRefreshDeps {
  db: Kysely<Database>;
  /** The hot path's row read (coalesced per account). */
  readAccount: AccountReader;
  keyring: Keyring;
  logger: Logger;
  metrics: RefreshMetrics;
  coordinator: RefreshCoordinator;
  cache: TokenRowCache;
  /** See effectiveExpiry: how long a token without a provider expiry is trusted. */
  unknownExpiryLifetimeS: number;
  now?: () => number;
}
