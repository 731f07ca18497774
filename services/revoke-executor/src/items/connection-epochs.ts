import { setMaxListeners } from "node:events";
import type { Logger } from "@warden/logger";
import { Events, type NatsConnection } from "nats";

/** Signals that abort when the NATS connection drops, for work that has not reached the provider yet. */
export interface ConnectionEpochs {
  /**
   * A signal that aborts with `jobSignal` or at the next NATS disconnect,
   * whichever comes first; one shared signal per job and connection epoch, so
   * the scheduler keeps one abort listener per job, not per waiting item.
   */
  signalFor(jobSignal: AbortSignal): AbortSignal;
  stop(): void;
}

/**
 * Hands back, at every NATS disconnect, the deliveries still waiting for a
 * provider slot. While NATS is away their ack waits cannot be extended, so the
 * server redelivers them, possibly to another executor, once it is back; an
 * executor still holding the old copy would then race that one to the
 * provider, both finding the item pending. Handing them back (they are
 * nak'ed, and were never sent to the provider) leaves one live copy; only the
 * calls already in flight at the provider can be repeated.
 */
export function createConnectionEpochs(nc: NatsConnection, logger: Logger): ConnectionEpochs {
  let epoch = newEpoch();
  const combined = new WeakMap<AbortSignal, { epoch: AbortSignal; signal: AbortSignal }>();
  let stopped = false;

  void (async () => {
    for await (const status of nc.status()) {
      if (stopped) break;
      if (status.type !== Events.Disconnect) continue;
      logger.warn("NATS disconnected: handing back deliveries still waiting for a provider slot");
      const ended = epoch;
      epoch = newEpoch();
      ended.abort();
    }
  })().catch(() => undefined);

  return {
    signalFor(jobSignal) {
      const known = combined.get(jobSignal);
      if (known !== undefined && known.epoch === epoch.signal) return known.signal;
      const signal = AbortSignal.any([jobSignal, epoch.signal]);
      setMaxListeners(0, signal);
      combined.set(jobSignal, { epoch: epoch.signal, signal });
      return signal;
    },
    stop() {
      stopped = true;
    },
  };
}

function newEpoch(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
