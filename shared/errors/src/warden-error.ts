import type { DescMessage, MessageShape } from "@bufbuild/protobuf";

/**
 * What went wrong, in domain terms. The RPC layer maps each kind to exactly one
 * gRPC status code (see @warden/rpc's toConnectError); nothing else does.
 */
export type ErrorKind =
  | "invalid_argument"
  | "not_found"
  | "already_exists"
  | "permission_denied"
  | "unauthenticated"
  | "failed_precondition"
  | "unavailable"
  | "unimplemented"
  | "internal";

/** A protobuf message attached to an error so clients can decode it (e.g. the in-flight job). */
export interface ErrorDetail<Desc extends DescMessage = DescMessage> {
  desc: Desc;
  value: MessageShape<Desc>;
}

/**
 * A domain error whose message is safe to show a caller: it never contains a
 * secret. Unknown exceptions are not WardenErrors and surface as INTERNAL with
 * their message hidden.
 */
export class WardenError extends Error {
  readonly kind: ErrorKind;
  readonly field: string | undefined;
  readonly details: ErrorDetail[];

  constructor(
    kind: ErrorKind,
    message: string,
    options: { field?: string; details?: ErrorDetail[]; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "WardenError";
    this.kind = kind;
    this.field = options.field;
    this.details = options.details ?? [];
  }
}

/**
 * A caller's input is wrong; the message names the field ("token_url must use
 * https"). No colon after the field: grpc-js leaves a percent-encoded ":" in
 * status messages undecoded.
 */
export function invalidArgument(field: string, problem: string): WardenError {
  return new WardenError("invalid_argument", `${field} ${problem}`, { field });
}

/** The object does not exist for this caller (also used across tenants, so existence never leaks). */
export function notFound(what: string, id: string): WardenError {
  return new WardenError("not_found", `${what} ${id} not found`);
}

/** The object already exists; details carry the existing one. */
export function alreadyExists(message: string, details: ErrorDetail[] = []): WardenError {
  return new WardenError("already_exists", message, { details });
}

/** The caller is known but lacks the scope. */
export function permissionDenied(message: string): WardenError {
  return new WardenError("permission_denied", message);
}

/** The caller presented no credential or an unknown one. */
export function unauthenticated(message = "missing or unknown credential"): WardenError {
  return new WardenError("unauthenticated", message);
}

/** The system is not in a state where this can succeed. */
export function failedPrecondition(message: string, details: ErrorDetail[] = []): WardenError {
  return new WardenError("failed_precondition", message, { details });
}

/** A dependency (database, Redis, NATS, provider) is unreachable; safe to retry. */
export function unavailable(message: string, cause?: unknown): WardenError {
  return new WardenError("unavailable", message, { cause });
}

/** Type guard for domain errors. */
export function isWardenError(error: unknown): error is WardenError {
  return error instanceof WardenError;
}
