import {
  Code,
  ConnectError,
  createClient,
  type CallOptions,
  type Client,
  type HandlerContext,
  type ServiceImpl,
} from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { principalOf, requireOperator } from "@warden/auth";
import { failedPrecondition, unavailable } from "@warden/errors";
import { SweeperService } from "@warden/proto/sweeper/v1";
import { traceContextClientInterceptor } from "@warden/rpc";
import { requiredText } from "./request-fields.js";

export interface SweeperForwardingDeps {
  /** The sweeper's base URL (WARDEN_SWEEPER_URL); absent: every call is UNAVAILABLE. */
  sweeperUrl?: string;
}

// ListTasks is a few indexed reads on the sweeper. RunTask waits for the task
// itself (a purge or a ledger trim of a large tenant), so it gets far longer;
// a sweeper that accepts the connection and then says nothing is cut off by these.
const LIST_TIMEOUT_MS = 10_000;
const RUN_TIMEOUT_MS = 120_000;
// Task names are short kebab-case words; anything longer is refused here, unsent.
const MAX_TASK_NAME = 100;
const MAX_REASON = 200;

// The sweeper's answers about the request itself: the caller gets them as the
// sweeper gave them. Every other failure (refused or reset connection,
// timeout, the sweeper's own outage or internal error, something that is not a
// sweeper answering) means the sweeper cannot serve the call right now.
const SWEEPER_VERDICTS = new Set([
  Code.InvalidArgument,
  Code.NotFound,
  Code.AlreadyExists,
  Code.PermissionDenied,
  Code.FailedPrecondition,
  Code.ResourceExhausted,
  Code.OutOfRange,
  Code.Canceled,
]);

/**
 * SweeperService on the gateway: refuses non-operator callers itself, then
 * forwards ListTasks and RunTask to the sweeper with the caller's
 * Authorization header unchanged (the sweeper checks it again). A sweeper
 * that is down, unreachable or hung is UNAVAILABLE, never INTERNAL.
 */
export function createSweeperForwardingService(
  deps: SweeperForwardingDeps,
): ServiceImpl<typeof SweeperService> {
  const sweeperUrl = deps.sweeperUrl;
  const client =
    sweeperUrl === undefined
      ? undefined
      : createClient(
          SweeperService,
          createConnectTransport({
            baseUrl: sweeperUrl,
            httpVersion: "1.1",
            useBinaryFormat: true,
            // The sweeper's spans join the caller's trace.
            interceptors: [traceContextClientInterceptor()],
          }),
        );

  // Called once the caller is known to be the operator and the request is valid.
  async function forward<T>(
    ctx: HandlerContext,
    timeoutMs: number,
    call: (sweeper: Client<typeof SweeperService>, options: CallOptions) => Promise<T>,
  ): Promise<T> {
    if (client === undefined || sweeperUrl === undefined)
      throw unavailable("this gateway has no sweeper to forward to (WARDEN_SWEEPER_URL)");
    const callerLeft = ctx.timeoutMs();
    try {
      return await call(client, {
        headers: { authorization: ctx.requestHeader.get("authorization") ?? "" },
        signal: ctx.signal,
        timeoutMs: callerLeft === undefined ? timeoutMs : Math.min(callerLeft, timeoutMs),
      });
    } catch (error) {
      throw fromSweeperFailure(error, sweeperUrl);
    }
  }

  return {
    async listTasks(req, ctx) {
      requireOperator(principalOf(ctx), "SweeperService");
      return forward(ctx, LIST_TIMEOUT_MS, (sweeper, options) => sweeper.listTasks(req, options));
    },
    async runTask(req, ctx) {
      requireOperator(principalOf(ctx), "SweeperService");
      const name = requiredText("name", req.name, MAX_TASK_NAME);
      return forward(ctx, RUN_TIMEOUT_MS, (sweeper, options) => sweeper.runTask({ name }, options));
    },
  };
}

/**
 * What the caller gets for a failed forwarded call. The gateway's error
 * mapping (toConnectError) turns the domain errors into status codes and
 * passes the re-created ConnectError of a sweeper verdict through as is.
 */
function fromSweeperFailure(error: unknown, sweeperUrl: string): Error {
  const failure = ConnectError.from(error);
  if (SWEEPER_VERDICTS.has(failure.code)) {
    // A fresh error: the sweeper's response headers must not become ours. Its
    // details are still encoded and are passed on as they came.
    const verdict = new ConnectError(failure.rawMessage, failure.code);
    verdict.details.push(...failure.details);
    return verdict;
  }
  if (failure.code === Code.Unauthenticated) {
    // The gateway has just accepted this operator key: the sweeper knows another one.
    return failedPrecondition(
      "the sweeper did not accept the operator key; WARDEN_ADMIN_KEY must be the same on the gateway and the sweeper",
    );
  }
  const reason = truncate(failure.rawMessage);
  return unavailable(
    `the sweeper at ${new URL(sweeperUrl).host} is unavailable (${codeName(failure.code)}: ${reason}); try again later`,
    error,
  );
}

function codeName(code: Code): string {
  return (Code[code] ?? "Unknown").replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

function truncate(text: string): string {
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text;
}
