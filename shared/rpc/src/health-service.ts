import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import {
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  type Health,
  type HealthCheckRequest,
  type HealthCheckResponse,
} from "@warden/proto/health/v1";
import type { HealthReporter } from "./health-reporter.js";
import { streamSignal } from "./shutdown-signal.js";

/**
 * grpc.health.v1.Health backed by a HealthReporter: Check answers NOT_FOUND
 * for a service never set (as the gRPC health spec requires); Watch sends the
 * current status, then every change, and ends when the call or the server does.
 */
export function createHealthService(reporter: HealthReporter): ServiceImpl<typeof Health> {
  return {
    check(request) {
      const status = reporter.getStatus(request.service);
      if (status === ServingStatus.SERVICE_UNKNOWN) {
        throw new ConnectError(`unknown service ${request.service}`, Code.NotFound);
      }
      return create(HealthCheckResponseSchema, { status });
    },
    watch(request, context) {
      return watchStatus(reporter, request, context);
    },
  };
}

async function* watchStatus(
  reporter: HealthReporter,
  request: HealthCheckRequest,
  context: HandlerContext,
): AsyncGenerator<HealthCheckResponse> {
  const signal = streamSignal(context);
  const pending: ServingStatus[] = [reporter.getStatus(request.service)];
  let wake: (() => void) | undefined;
  const onChange = () => {
    wake?.();
    wake = undefined;
  };
  const unsubscribe = reporter.watch(request.service, (status) => {
    pending.push(status);
    onChange();
  });
  signal.addEventListener("abort", onChange);
  try {
    // Queued changes are flushed before honouring the abort, so a watcher
    // sees the NOT_SERVING that shutdown() publishes before the stream ends.
    for (;;) {
      const status = pending.shift();
      if (status !== undefined) {
        yield create(HealthCheckResponseSchema, { status });
        continue;
      }
      if (signal.aborted) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    unsubscribe();
    signal.removeEventListener("abort", onChange);
  }
}
