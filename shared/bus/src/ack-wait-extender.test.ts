import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { JsMsg } from "nats";
import { createAckWaitExtender } from "./ack-wait-extender.js";

function fakeMsg() {
  return { working: vi.fn() } as unknown as JsMsg & { working: ReturnType<typeof vi.fn> };
}

describe("createAckWaitExtender", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("signals working() every half ack wait while a delivery is held, and stops once untracked", () => {
    const extender = createAckWaitExtender(() => 1_000);
    const msg = fakeMsg();
    extender.track(msg);
    vi.advanceTimersByTime(400);
    expect(msg.working).not.toHaveBeenCalled();
    vi.advanceTimersByTime(100);
    expect(msg.working).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1_500);
    expect(msg.working).toHaveBeenCalledTimes(4);
    extender.untrack(msg);
    vi.advanceTimersByTime(5_000);
    expect(msg.working).toHaveBeenCalledTimes(4);
    extender.stop();
  });

  it("short handlers never cause a working() call", () => {
    const extender = createAckWaitExtender(() => 1_000);
    const msg = fakeMsg();
    extender.track(msg);
    vi.advanceTimersByTime(200);
    extender.untrack(msg);
    vi.advanceTimersByTime(5_000);
    expect(msg.working).not.toHaveBeenCalled();
    extender.stop();
  });
});
