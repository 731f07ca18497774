import {
  baseVariables,
  dbPoolSizeVariable,
  millisecondsVariable,
  parseConfig,
  portVariable,
} from "@warden/config";
import { z } from "zod";

const seconds = (defaultSeconds: number) => z.coerce.number().int().min(0).default(defaultSeconds);

const tokenRefreshSchema = z
  .object({
    ...baseVariables,
    WARDEN_ENCRYPTION_KEYS: z.string().optional(),
    WARDEN_TOKENS_PORT: portVariable(7071),
    WARDEN_PROBE_PORT: portVariable(9472),
    WARDEN_SHUTDOWN_GRACE_MS: millisecondsVariable(10_000),
    /**
     * Pool size. While Redis is down the advisory-lock fallback holds one connection per
     * account being refreshed, so this also bounds concurrent refreshes in that mode.
     */
    WARDEN_DB_POOL_SIZE: dbPoolSizeVariable(10),
    /** Deadline of one provider call, connect to last byte. */
    WARDEN_PROVIDER_TIMEOUT_MS: millisecondsVariable(10_000),
    /** Redis refresh-lock expiry; renewed every third of it while the provider call runs. */
    WARDEN_REFRESH_LOCK_TTL_MS: millisecondsVariable(15_000),
    /** How long a follower waits for the leader's event before re-reading and trying the lock itself. */
    WARDEN_REFRESH_WAIT_MS: millisecondsVariable(20_000),
    /** How long a terminal per-account failure is cached (DESIGN §5.3: an hour). */
    WARDEN_ACCOUNT_FAILURE_TTL_MS: millisecondsVariable(3_600_000),
    /**
     * How long an app-level failure (invalid_client …) short-circuits refreshes of its
     * auth config. Short: it is fixed by an operator, and no RPC clears it.
     */
    WARDEN_APP_FAILURE_TTL_MS: millisecondsVariable(300_000),
    /** A token whose provider sent no expires_in is trusted this long after it was issued. */
    WARDEN_UNKNOWN_EXPIRY_LIFETIME_S: seconds(3_600),
    /** refresh.due requests for tokens valid longer than this are skipped. */
    WARDEN_REFRESH_AHEAD_WINDOW_S: seconds(600),
    WARDEN_REFRESH_DUE_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(16),
    /** In-process cache of still-valid account rows (ciphertext only); 0 disables it. */
    WARDEN_TOKEN_CACHE_MS: millisecondsVariable(1_000),
  })
  .superRefine((config, ctx) => {
    // A lock that can expire while the provider call is still allowed to run would let a second leader in.
    if (config.WARDEN_REFRESH_LOCK_TTL_MS <= config.WARDEN_PROVIDER_TIMEOUT_MS) {
      ctx.addIssue({
        code: "custom",
        path: ["WARDEN_REFRESH_LOCK_TTL_MS"],
        message: "must be longer than WARDEN_PROVIDER_TIMEOUT_MS",
      });
    }
  });

export type TokenRefreshConfig = z.output<typeof tokenRefreshSchema>;

/** Parses token-refresh's environment; throws naming every bad variable. */
export function loadTokenRefreshConfig(env: NodeJS.ProcessEnv = process.env): TokenRefreshConfig {
  return parseConfig(tokenRefreshSchema, env);
}
