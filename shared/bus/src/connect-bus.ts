import {
  connect,
  DebugEvents,
  Events,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
} from "nats";
import { errorField, silentBusLogger, type BusLogger } from "./bus-logger.js";

export interface ConnectBusOptions {
  /** One or more `nats://` URLs (several for a cluster). */
  servers: string[];
  /** Connection name shown by the server (`nats server report connections`). */
  name: string;
  logger?: BusLogger;
  /** Pause between reconnect attempts; jittered by the client. Default 1 s. */
  reconnectTimeWaitMs?: number;
  /** Timeout of JetStream API calls and PubAcks. Default 5 s. */
  requestTimeoutMs?: number;
  /** Timeout of the readiness probe's JetStream request. Default 2 s. */
  readyTimeoutMs?: number;
  /**
   * Keep retrying when the very first connect fails. Default false: a service
   * that cannot reach NATS at boot fails loud and lets its supervisor restart it.
   */
  waitOnFirstConnect?: boolean;
}

export interface Bus {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** True while the connection is up (not closed, not between reconnects). */
  isConnected(): boolean;
  /** Resolves when JetStream answers a cheap API request within the ready timeout; rejects otherwise. */
  checkReady(): Promise<void>;
  /** Drains subscriptions and pending publishes, then closes; safe to call twice. */
  close(): Promise<void>;
}

/** Connects to NATS with JetStream and reconnects forever; nothing happens until it is called. */
export async function connectBus(options: ConnectBusOptions): Promise<Bus> {
  const logger = options.logger ?? silentBusLogger;
  const requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
  const nc = await connect({
    servers: options.servers,
    name: options.name,
    // Services outlive NATS restarts and cluster rolls: never give up.
    maxReconnectAttempts: -1,
    reconnectTimeWait: options.reconnectTimeWaitMs ?? 1_000,
    waitOnFirstConnect: options.waitOnFirstConnect ?? false,
  });
  let connected = true;
  void watchStatus(nc, logger, (up) => {
    connected = up;
  });
  logger.info({ server: nc.getServer(), name: options.name }, "nats connected");

  const js = nc.jetstream({ timeout: requestTimeoutMs });
  let jsm: JetStreamManager;
  try {
    // checkAPI (the default) makes boot fail loud when JetStream is disabled.
    jsm = await nc.jetstreamManager({ timeout: requestTimeoutMs });
  } catch (error) {
    // Do not leave a connection reconnecting forever behind a failed boot.
    await nc.close();
    throw error;
  }
  const probe = await nc.jetstreamManager({ timeout: options.readyTimeoutMs ?? 2_000, checkAPI: false });
  let closing: Promise<void> | undefined;

  return {
    nc,
    js,
    jsm,
    isConnected: () => connected && !nc.isClosed(),
    async checkReady() {
      if (nc.isClosed()) throw new Error("nats connection is closed");
      if (!connected) throw new Error("nats is reconnecting");
      await probe.getAccountInfo();
    },
    close() {
      closing ??= (async () => {
        if (nc.isClosed()) return;
        try {
          await nc.drain();
        } catch (error) {
          // drain fails when the connection dropped meanwhile; closing is all that is left.
          logger.warn(errorField(error), "nats drain failed; closing");
          await nc.close();
        }
        logger.info({}, "nats connection closed");
      })();
      return closing;
    },
  };
}

async function watchStatus(nc: NatsConnection, logger: BusLogger, setConnected: (up: boolean) => void) {
  for await (const status of nc.status()) {
    switch (status.type) {
      case Events.Disconnect:
        setConnected(false);
        logger.warn({ server: status.data }, "nats disconnected; reconnecting");
        break;
      case Events.Reconnect:
        setConnected(true);
        logger.info({ server: status.data }, "nats reconnected");
        break;
      case Events.LDM:
        logger.warn({ server: status.data }, "nats server entering lame duck mode");
        break;
      case Events.Error:
        logger.error({ error: String(status.data) }, "nats async error");
        break;
      case DebugEvents.StaleConnection:
        logger.warn({}, "nats connection stale");
        break;
      default:
        logger.debug({ type: status.type, data: status.data }, "nats status");
    }
  }
  setConnected(false);
}
