import type { BusLogger } from "@warden/bus";
import pg from "pg";

export interface OutboxListener {
  close(): Promise<void>;
}

const RECONNECT_MAX_MS = 5_000;

/**
 * Holds one dedicated connection LISTENing on `channel` and calls `onWake` for
 * every notification, and again after each reconnect (notifications sent while
 * it was away are gone, so the relay must look). Never throws: while
 * PostgreSQL is away it retries with backoff and the relay's poll covers.
 */
export function startOutboxListener(options: {
  clientConfig: pg.ClientConfig;
  channel: string;
  onWake: () => void;
  logger: BusLogger;
}): OutboxListener {
  const { clientConfig, channel, onWake, logger } = options;
  let client: pg.Client | undefined;
  let closed = false;
  let failures = 0;
  let retryTimer: NodeJS.Timeout | undefined;

  const scheduleReconnect = () => {
    if (closed || retryTimer) return;
    failures++;
    retryTimer = setTimeout(
      () => {
        retryTimer = undefined;
        void connect();
      },
      Math.min(100 * 2 ** failures, RECONNECT_MAX_MS),
    );
    retryTimer.unref();
  };

  const connect = async () => {
    const next = new pg.Client(clientConfig);
    // A dead connection reports here; without a listener it would crash the process.
    next.on("error", (error) => {
      if (client === next) client = undefined;
      next.end().catch(() => undefined);
      if (!closed) {
        logger.warn({ err: { message: error.message } }, "outbox listener lost its connection");
        scheduleReconnect();
      }
    });
    next.on("notification", () => onWake());
    try {
      await next.connect();
      await next.query(`listen "${channel}"`);
    } catch (error) {
      next.end().catch(() => undefined);
      if (failures === 0)
        logger.warn({ err: { message: (error as Error).message } }, "outbox listener could not connect");
      scheduleReconnect();
      return;
    }
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    failures = 0;
    onWake();
  };

  void connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}
