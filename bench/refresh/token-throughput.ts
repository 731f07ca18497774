// (b) GetAccessToken for a still-valid token, over gRPC (HTTP/2), against an
// empty RPC (grpc.health.v1.Health/Check) on the same server process, with the
// same client, concurrency and duration; runs alternate to cancel drift.
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health } from "@warden/proto/health/v1";
import { TokensService } from "@warden/proto/tokens/v1";

export interface ThroughputOptions {
  url: string;
  apiKey: string;
  accountId: string;
  concurrency: number;
  durationMs: number;
  rounds: number;
}

export interface ThroughputResult {
  tokenPerSecond: number;
  emptyPerSecond: number;
  ratio: number;
}

async function drive(call: () => Promise<unknown>, concurrency: number, durationMs: number): Promise<number> {
  const deadline = performance.now() + durationMs;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await call();
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

/** Measures calls per second of both RPCs and their ratio. */
export async function measureTokenThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const auth: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${options.apiKey}`);
    return next(req);
  };
  const transport = createGrpcTransport({ baseUrl: options.url, interceptors: [auth] });
  const tokens = createClient(TokensService, transport);
  const health = createClient(Health, transport);
  const getToken = () => tokens.getAccessToken({ accountId: options.accountId, minValidSeconds: 60 });
  const check = () => health.check({ service: "" });
  // Warm up both paths (JIT, connection, API-key cache, token cache).
  await drive(getToken, options.concurrency, 1_000);
  await drive(check, options.concurrency, 1_000);
  let token = 0;
  let empty = 0;
  for (let round = 0; round < options.rounds; round++) {
    empty += await drive(check, options.concurrency, options.durationMs);
    token += await drive(getToken, options.concurrency, options.durationMs);
  }
  return {
    tokenPerSecond: token / options.rounds,
    emptyPerSecond: empty / options.rounds,
    ratio: token / empty,
  };
}
