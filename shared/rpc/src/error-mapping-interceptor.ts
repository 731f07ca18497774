import { ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import { correctDecodeError } from "./request-decode-errors.js";
import { toConnectError } from "./to-connect-error.js";

/**
 * Server interceptor that runs every error a handler throws — before its
 * response, or in the middle of a stream — through toConnectError, so domain
 * errors keep their code and details and nothing else leaks its message.
 */
export function errorMappingInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const log = logger.child({ rpc: `${req.service.typeName}/${req.method.name}` });
    try {
      const res = await next(req);
      if (!res.stream) return res;
      return { ...res, message: mapStreamErrors(res.message, log) };
    } catch (error) {
      // A client stream's messages are decoded while the handler reads them, after the
      // request gate: a malformed one surfaces here and is the client's error all the same.
      if (error instanceof ConnectError) correctDecodeError(error, req.method.input.typeName);
      throw toConnectError(error, log);
    }
  };
}

async function* mapStreamErrors<T>(messages: AsyncIterable<T>, logger: Logger): AsyncGenerator<T> {
  try {
    yield* messages;
  } catch (error) {
    throw toConnectError(error, logger);
  }
}
