import { describe, expect, it, vi } from "vitest";
import type { JsMsg } from "nats";
import { capturingLogger } from "./test-bus.js";
import { defaultRetryDelayMs, settleDelivery, type SettleOptions } from "./work-outcome.js";

function fakeMsg(deliveryCount: number) {
  return {
    subject: "t.work",
    seq: 7,
    info: { deliveryCount },
    ack: vi.fn(),
    ackAck: vi.fn(async () => true),
    nak: vi.fn(),
    term: vi.fn(),
  } as unknown as JsMsg & Record<"ack" | "ackAck" | "nak" | "term", ReturnType<typeof vi.fn>>;
}

function options(overrides: Partial<SettleOptions> = {}): SettleOptions {
  return {
    ackMode: "ack",
    maxDeliver: 5,
    retryDelayMs: () => 1_234,
    logger: capturingLogger(),
    ...overrides,
  };
}

describe("settleDelivery", () => {
  it("acks plainly, or waits for the server's confirmation in ackAck mode", async () => {
    const plain = fakeMsg(1);
    await settleDelivery(plain, { kind: "ack" }, options());
    expect(plain.ack).toHaveBeenCalled();
    const confirmed = fakeMsg(1);
    await settleDelivery(confirmed, { kind: "ack" }, options({ ackMode: "ackAck" }));
    expect(confirmed.ackAck).toHaveBeenCalled();
    expect(confirmed.ack).not.toHaveBeenCalled();
  });

  it("naks with the asked delay, and a handler failure with the retry backoff", async () => {
    const asked = fakeMsg(1);
    await settleDelivery(asked, { kind: "nak", delayMs: 500 }, options());
    expect(asked.nak).toHaveBeenCalledWith(500);
    const failed = fakeMsg(2);
    await settleDelivery(failed, { kind: "failed", error: new Error("x") }, options());
    expect(failed.nak).toHaveBeenCalledWith(1_234);
  });

  it("terms instead of naking on the last allowed delivery", async () => {
    const logger = capturingLogger();
    const last = fakeMsg(5);
    await settleDelivery(last, { kind: "failed", error: new Error("x") }, options({ logger }));
    expect(last.term).toHaveBeenCalled();
    expect(last.nak).not.toHaveBeenCalled();
    expect(logger.lines.some((line) => line.level === "error" && /giving up/.test(line.message))).toBe(true);
    const unlimited = fakeMsg(500);
    await settleDelivery(unlimited, { kind: "nak" }, options({ maxDeliver: -1 }));
    expect(unlimited.nak).toHaveBeenCalledWith(undefined);
  });

  it("a term outcome terms and logs the reason", async () => {
    const logger = capturingLogger();
    const msg = fakeMsg(1);
    await settleDelivery(msg, { kind: "term", reason: "job cancelled" }, options({ logger }));
    expect(msg.term).toHaveBeenCalled();
    expect(logger.lines[0]?.context.reason).toBe("job cancelled");
  });
});

describe("defaultRetryDelayMs", () => {
  it("doubles from about 1 s and caps at about 1 min", () => {
    for (let i = 0; i < 50; i++) {
      expect(defaultRetryDelayMs(1)).toBeGreaterThanOrEqual(800);
      expect(defaultRetryDelayMs(1)).toBeLessThanOrEqual(1_200);
      expect(defaultRetryDelayMs(3)).toBeGreaterThanOrEqual(3_200);
      expect(defaultRetryDelayMs(30)).toBeLessThanOrEqual(72_000);
    }
  });
});
