import { pino, type DestinationStream, type Logger } from "pino";

// Field names that may hold a secret anywhere in a log object. pino's redact
// paths match exact keys, so both snake_case (wire) and camelCase (code)
// spellings are listed, at the top level and one or two levels down.
const SECRET_KEYS = [
  "access_token",
  "accessToken",
  "refresh_token",
  "refreshToken",
  "client_secret",
  "clientSecret",
  "api_key",
  "apiKey",
  "lease_token",
  "leaseToken",
  "token",
  "password",
  "authorization",
  "Authorization",
  "secret",
  "encryptionKeys",
  "WARDEN_ADMIN_KEY",
  "WARDEN_ENCRYPTION_KEYS",
];

/** Every redact path the logger applies; exported so tests can check coverage. */
export const REDACT_PATHS = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]).concat([
  "req.headers.authorization",
  "headers.authorization",
]);

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where JSON lines go; defaults to stdout. Tests pass a capturing stream. */
  destination?: DestinationStream;
}

/** Creates the service's pino JSON logger with secret fields censored. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      name: options.service,
      level: options.level ?? "info",
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}

export type { Logger };
