import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import type { NewAuditEventRow } from "@warden/db";
import { newId } from "@warden/ids";
import type { Logger } from "pino";
import { actorOf } from "./audit-actor.js";
import { collectObjectIds } from "./audit-object-ids.js";
import type { AuditLog } from "./audit-log.js";
import { actionOf, auditReasonOf } from "./audit-policy.js";
import { clientAddressKey } from "./client-address.js";

const DENIED = new Set([Code.Unauthenticated, Code.PermissionDenied]);
const MAX_REASON = 200;

/**
 * Server interceptor that writes exactly one audit row per audited call:
 * every mutating RPC and token read (whatever its outcome), and every call of
 * any RPC refused as UNAUTHENTICATED or PERMISSION_DENIED. It runs outside
 * error mapping, so it records the status the client gets.
 *
 * Fail closed: an audited call's answer is released only once its row is
 * written; if the write fails the caller gets UNAVAILABLE (a token is never
 * handed out unrecorded) and the row is queued for retry, noting the withheld
 * answer. Refused calls changed nothing and can be produced at will by anyone,
 * so their rows go through the bounded background queue instead (drops are
 * counted in warden_audit_dropped_total).
 */
export function createAuditInterceptor(options: { log: AuditLog; logger: Logger }): Interceptor {
  const { log, logger } = options;
  return (next) => async (req) => {
    const reason = auditReasonOf(req.method);
    const occurredAt = new Date();
    const row = (outcome: Code | undefined, error: ConnectError | undefined, response?: unknown) =>
      auditRow(req, occurredAt, outcome, error, response);

    let res;
    try {
      res = await next(req);
    } catch (thrown) {
      const error = ConnectError.from(thrown);
      if (DENIED.has(error.code)) log.enqueue(row(error.code, error));
      else if (reason) await appendOrWithhold(row(error.code, error), error);
      throw thrown;
    }
    if (res.stream) {
      return { ...res, message: auditStream(res.message, reason, (code, error) => row(code, error)) };
    }
    if (reason) await appendOrWithhold(row(undefined, undefined, res.message));
    return res;
  };

  async function appendOrWithhold(event: NewAuditEventRow, original?: ConnectError): Promise<void> {
    try {
      await log.append(event);
    } catch (error) {
      logger.error({ err: error, action: event.action }, "audit write failed; answer withheld");
      log.enqueue({ ...event, reason: truncate(`answer withheld: audit log unavailable. ${event.reason}`) });
      if (original) return;
      throw new ConnectError("audit log unavailable", Code.Unavailable);
    }
  }

  async function* auditStream<T>(
    messages: AsyncIterable<T>,
    reason: string | undefined,
    row: (code: Code | undefined, error: ConnectError | undefined) => NewAuditEventRow,
  ): AsyncGenerator<T> {
    try {
      yield* messages;
    } catch (thrown) {
      const error = ConnectError.from(thrown);
      if (DENIED.has(error.code)) log.enqueue(row(error.code, error));
      else if (reason) log.enqueue(row(error.code, error));
      throw thrown;
    }
    if (reason) await appendOrWithhold(row(undefined, undefined));
  }
}

function auditRow(
  req: Parameters<Parameters<Interceptor>[0]>[0],
  occurredAt: Date,
  code: Code | undefined,
  error: ConnectError | undefined,
  response?: unknown,
): NewAuditEventRow {
  const actor = actorOf(req.contextValues);
  const objectIds = new Set<string>();
  // A client stream's messages are the handler's to read; only its answer is inspected.
  if (!req.stream) collectObjectIds(req.method.input, req.message, objectIds);
  if (response !== undefined) collectObjectIds(req.method.output, response as never, objectIds);
  return {
    id: newId("auditEvent"),
    occurred_at: occurredAt,
    actor_kind: actor.kind,
    actor_id: actor.id,
    org_id: actor.orgId,
    action: actionOf(req.method),
    object_ids: [...objectIds],
    outcome: code === undefined ? "ok" : codeToString(code),
    client_address: req.contextValues.get(clientAddressKey),
    // Status messages are written to be secret-free (they name fields, never values).
    reason: error ? truncate(error.rawMessage) : "",
  };
}

function truncate(text: string): string {
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text;
}
