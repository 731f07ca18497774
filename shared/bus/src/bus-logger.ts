// The slice of a pino logger the bus uses, so @warden/bus does not depend on
// pino: a service passes its own logger (already redacting secrets).

/** Structured log call: context object first, message second (pino's order). */
export type BusLogFn = (context: Record<string, unknown>, message: string) => void;

/** Any pino-compatible logger satisfies this. */
export interface BusLogger {
  debug: BusLogFn;
  info: BusLogFn;
  warn: BusLogFn;
  error: BusLogFn;
}

const ignore: BusLogFn = () => {};

/** A logger that drops everything; the default when a caller passes none. */
export const silentBusLogger: BusLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/** Turns any thrown value into a loggable `{ err }` field without leaking payloads. */
export function errorField(error: unknown): { err: { message: string; code?: string } } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { err: { message: error.message, ...(typeof code === "string" ? { code } : {}) } };
  }
  return { err: { message: String(error) } };
}
