import { baseVariables, parseConfig, portVariable, requiredInProduction } from "@warden/config";
import { z } from "zod";

const gatewaySchema = z
  .object({
    ...baseVariables,
    WARDEN_ADMIN_KEY: z.string().min(16, "must be at least 16 characters").optional(),
    WARDEN_ENCRYPTION_KEYS: z.string().optional(),
    WARDEN_GATEWAY_PORT: portVariable(7070),
    WARDEN_PROBE_PORT: portVariable(9470),
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
  })
  .superRefine(requiredInProduction(["WARDEN_ENCRYPTION_KEYS", "WARDEN_ADMIN_KEY"]));

export type GatewayConfig = z.output<typeof gatewaySchema>;

/** Parses the gateway's environment; throws naming every bad variable. */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return parseConfig(gatewaySchema, env);
}
