import {
  baseVariables,
  dbPoolSizeVariable,
  parseConfig,
  portVariable,
  requiredInProduction,
} from "@warden/config";
import { isLoopbackHost } from "@warden/oauth";
import { z } from "zod";

// zod 4 runs every refinement even after .url() failed: these must not throw on a non-URL
// (that one is already reported as "must be a URL").
const unlessNotUrl = (check: (url: URL) => boolean) => (value: string) =>
  !URL.canParse(value) || check(new URL(value));
const withoutQueryOrFragment = unlessNotUrl((url) => !url.search && !url.hash);

const gatewaySchema = z
  .object({
    ...baseVariables,
    WARDEN_ADMIN_KEY: z.string().min(16, "must be at least 16 characters").optional(),
    WARDEN_ENCRYPTION_KEYS: z.string().optional(),
    WARDEN_GATEWAY_PORT: portVariable(7070),
    /** Only for the default of WARDEN_SWEEPER_URL: a sweeper on this host. */
    WARDEN_SWEEPER_PORT: portVariable(7072),
    /**
     * Where SweeperService calls to the gateway are forwarded (the dashboard's
     * Sweeper page). Default http://127.0.0.1:<WARDEN_SWEEPER_PORT>.
     */
    WARDEN_SWEEPER_URL: z
      .string()
      .url("must be a URL")
      .refine(
        unlessNotUrl((url) => url.protocol === "http:" || url.protocol === "https:"),
        "must be http or https",
      )
      .refine(withoutQueryOrFragment, "must not carry a query or fragment")
      .optional(),
    WARDEN_PROBE_PORT: portVariable(9470),
    WARDEN_DB_POOL_SIZE: dbPoolSizeVariable(8),
    /** Comma-separated browser origins allowed by CORS besides the gateway's own (its dashboard); unset allows none. */
    WARDEN_CORS_ORIGINS: z
      .string()
      .optional()
      .transform((v) =>
        v
          ? v
              .split(",")
              .map((s) => s.trim())
              .filter(Boolean)
          : undefined,
      ),
    WARDEN_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
    /**
     * The gateway's external base URL; the OAuth connect flow's callback is
     * <WARDEN_PUBLIC_URL>/oauth/callback. Default http://127.0.0.1:<WARDEN_GATEWAY_PORT>.
     */
    WARDEN_PUBLIC_URL: z
      .string()
      .url("must be a URL")
      .refine(
        unlessNotUrl(
          (url) => url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname)),
        ),
        "must be https (plain http only for a loopback host)",
      )
      .refine(withoutQueryOrFragment, "must not carry a query or fragment")
      .optional(),
  })
  .superRefine(requiredInProduction(["WARDEN_ENCRYPTION_KEYS", "WARDEN_ADMIN_KEY"]));

export type GatewayConfig = z.output<typeof gatewaySchema>;

/** Parses the gateway's environment; throws naming every bad variable. */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return parseConfig(gatewaySchema, env);
}

/** The base URL the connect flow's callback is served under (no trailing slash). */
export function publicUrlOf(config: GatewayConfig): string {
  return (config.WARDEN_PUBLIC_URL ?? `http://127.0.0.1:${config.WARDEN_GATEWAY_PORT}`).replace(/\/+$/, "");
}

/** The sweeper's base URL SweeperService calls are forwarded to (no trailing slash). */
export function sweeperUrlOf(config: GatewayConfig): string {
  return (config.WARDEN_SWEEPER_URL ?? `http://127.0.0.1:${config.WARDEN_SWEEPER_PORT}`).replace(/\/+$/, "");
}
