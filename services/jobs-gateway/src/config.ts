import { baseVariables, dbPoolSizeVariable, parseConfig, portVariable } from "@warden/config";
import { isLoopbackHost } from "@warden/oauth";
import { z } from "zod";

const gatewaySchema = z.object({
  ...baseVariables,
  WARDEN_ADMIN_KEY: z.string().min(16, "must be at least 16 characters").optional(),
  WARDEN_ENCRYPTION_KEYS: z.string().optional(),
  WARDEN_GATEWAY_PORT: portVariable(7070),
  WARDEN_PROBE_PORT: portVariable(9470),
  WARDEN_DB_POOL_SIZE: dbPoolSizeVariable(8),
  /** Comma-separated browser origins for CORS; unset allows any origin (the dashboard is same-origin). */
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
    .refine((value) => {
      const url = new URL(value);
      return url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname));
    }, "must be https (plain http only for a loopback host)")
    .refine((value) => !new URL(value).search && !new URL(value).hash, "must not carry a query or fragment")
    .optional(),
});

export type GatewayConfig = z.output<typeof gatewaySchema>;

/** Parses the gateway's environment; throws naming every bad variable. */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return parseConfig(gatewaySchema, env);
}

/** The base URL the connect flow's callback is served under (no trailing slash). */
export function publicUrlOf(config: GatewayConfig): string {
  return (config.WARDEN_PUBLIC_URL ?? `http://127.0.0.1:${config.WARDEN_GATEWAY_PORT}`).replace(/\/+$/, "");
}
