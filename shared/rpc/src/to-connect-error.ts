import { Code, ConnectError } from "@connectrpc/connect";
import { isWardenError, type ErrorKind } from "@warden/errors";
import type { Logger } from "pino";
import { classifyInfrastructureError } from "./classify-infrastructure-error.js";

// Exhaustive: adding an ErrorKind without a code here fails to compile.
const CODE_BY_KIND: Record<ErrorKind, Code> = {
  invalid_argument: Code.InvalidArgument,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  permission_denied: Code.PermissionDenied,
  unauthenticated: Code.Unauthenticated,
  failed_precondition: Code.FailedPrecondition,
  unavailable: Code.Unavailable,
  unimplemented: Code.Unimplemented,
  internal: Code.Internal,
};

/**
 * The one place errors become wire statuses: WardenError kinds map to their
 * code (details attached), ConnectErrors pass through, dependency outages
 * become UNAVAILABLE, and anything else becomes INTERNAL "internal error" with
 * the cause logged but its message never sent (it might hold a secret).
 */
export function toConnectError(error: unknown, logger: Logger): ConnectError {
  if (error instanceof ConnectError) return error;
  if (isWardenError(error)) {
    const code = CODE_BY_KIND[error.kind];
    if (code === Code.Internal) {
      logger.error({ err: error }, "internal error");
      return new ConnectError("internal error", Code.Internal, undefined, undefined, error);
    }
    if (code === Code.Unavailable && error.cause !== undefined) {
      logger.warn({ err: error.cause }, error.message);
    }
    return new ConnectError(error.message, code, undefined, error.details, error);
  }
  const infrastructure = classifyInfrastructureError(error);
  if (infrastructure) {
    logger.warn({ err: error, dependency: infrastructure.dependency }, "dependency unavailable");
    return new ConnectError(
      `${infrastructure.dependency} unavailable`,
      Code.Unavailable,
      undefined,
      undefined,
      error,
    );
  }
  if (isAbortError(error))
    return new ConnectError("operation canceled", Code.Canceled, undefined, undefined, error);
  logger.error({ err: error }, "unhandled error in rpc handler");
  return new ConnectError("internal error", Code.Internal, undefined, undefined, error);
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === "AbortError";
}
