import type { JsMsg } from "nats";

/** Keeps long-running deliveries from being redelivered while their handler still works. */
export interface AckWaitExtender {
  track(msg: JsMsg): void;
  untrack(msg: JsMsg): void;
  stop(): void;
}

/**
 * Calls `working()` on every tracked delivery once it has been held for half
 * the consumer's ack wait, and again every half ack wait after that. One timer
 * serves all deliveries, so tracking thousands costs nothing per message.
 */
export function createAckWaitExtender(ackWaitMs: () => number): AckWaitExtender {
  const heldSince = new Map<JsMsg, number>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const schedule = () => {
    if (stopped || timer !== undefined || heldSince.size === 0) return;
    timer = setTimeout(tick, Math.max(100, ackWaitMs() / 4));
    // Never keep a process alive just to extend acks.
    timer.unref();
  };
  const tick = () => {
    timer = undefined;
    const now = Date.now();
    const half = ackWaitMs() / 2;
    for (const [msg, since] of heldSince) {
      if (now - since >= half) {
        msg.working();
        heldSince.set(msg, now);
      }
    }
    schedule();
  };

  return {
    track(msg) {
      heldSince.set(msg, Date.now());
      schedule();
    },
    untrack(msg) {
      heldSince.delete(msg);
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      heldSince.clear();
    },
  };
}
