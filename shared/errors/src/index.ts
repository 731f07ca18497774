export type { ErrorKind, ErrorDetail } from "./warden-error.js";
export {
  WardenError,
  invalidArgument,
  notFound,
  alreadyExists,
  permissionDenied,
  unauthenticated,
  failedPrecondition,
  unavailable,
  isWardenError,
} from "./warden-error.js";
