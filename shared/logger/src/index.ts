export type { Logger, LoggerOptions } from "./create-logger.js";
export { createLogger, REDACT_PATHS } from "./create-logger.js";
