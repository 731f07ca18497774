import { Redis } from "ioredis";

export interface RedisOptions {
  url: string;
  /** WARDEN_NAMESPACE: every key is prefixed `<namespace>:`. */
  namespace: string;
  /** Per-command connect timeout; a dead Redis fails calls fast instead of queueing them. */
  connectTimeoutMs?: number;
  onError?: (error: Error) => void;
}

/**
 * Opens an ioredis client whose keys are namespaced and whose commands fail
 * at once while disconnected (no offline queue), so callers can fall back or
 * answer UNAVAILABLE instead of hanging. Reconnects forever in the background.
 */
export function createRedis(options: RedisOptions): Redis {
  const client = new Redis(options.url, {
    keyPrefix: `${options.namespace}:`,
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    commandTimeout: 2000,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
  });
  // ioredis emits 'error' on every failed reconnect; an unhandled one would crash.
  client.on("error", (error) => options.onError?.(error));
  return client;
}

/** Resolves when Redis answers PING; for /readyz. */
export async function checkRedisReady(client: Redis): Promise<void> {
  if (client.status !== "ready") throw new Error(`redis is ${client.status}`);
  await client.ping();
}

/** Resolves once the client is connected (or rejects after timeoutMs); boot and tests use it. */
export async function waitForRedis(client: Redis, timeoutMs = 5000): Promise<void> {
  if (client.status === "ready") return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off("ready", onReady);
      reject(new Error(`redis not ready after ${timeoutMs} ms (${client.status})`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once("ready", onReady);
  });
}
