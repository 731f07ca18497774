import type { Context } from "@opentelemetry/api";
import type { JsMsg } from "nats";
import { errorField, type BusLogger } from "./bus-logger.js";

/**
 * What a handler decided about one delivery. `ack` only after the work is
 * durable; `nak` hands it back for redelivery (after `delayMs`); `term` drops a
 * message that can never succeed.
 */
export type WorkOutcome =
  { kind: "ack" } | { kind: "nak"; delayMs?: number } | { kind: "term"; reason: string };

/** How acks are sent: `ack` fire-and-forget, or `ackAck` waiting for the server to confirm. */
export type AckMode = "ack" | "ackAck";

/** One decoded delivery handed to a handler. */
export interface WorkDelivery<T> {
  message: T;
  raw: JsMsg;
  /** 1 on first delivery. */
  deliveryCount: number;
  /** The consumer's max_deliver (-1: unlimited). On the last delivery a nak or throw becomes a term. */
  maxDeliver: number;
  /**
   * The publisher's trace (W3C headers), not made active: a handler parents its
   * spans on it (withSpanIn), or activates it with `context.with` where it needs that.
   */
  traceContext: Context;
}

export interface SettleOptions {
  ackMode: AckMode;
  maxDeliver: number;
  /** Redelivery delay after a handler threw, by delivery count. */
  retryDelayMs: (deliveryCount: number) => number;
  logger: BusLogger;
}

/** Marks a handler failure so `settleDelivery` can nak it with the retry backoff. */
export interface HandlerFailure {
  kind: "failed";
  error: unknown;
}

/** 1 s doubling per delivery up to 1 min, ±20 % jitter so replicas do not retry in lockstep. */
export function defaultRetryDelayMs(deliveryCount: number): number {
  const base = Math.min(1_000 * 2 ** Math.max(0, deliveryCount - 1), 60_000);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * Applies the outcome to the message. A nak or failure on the last allowed
 * delivery becomes a term (logged as an error): otherwise the message would sit
 * in the work queue forever with no delivery left.
 */
export async function settleDelivery(
  raw: JsMsg,
  outcome: WorkOutcome | HandlerFailure,
  options: SettleOptions,
): Promise<void> {
  const deliveryCount = raw.info.deliveryCount;
  const context = { subject: raw.subject, seq: raw.seq, deliveryCount };
  if (outcome.kind === "ack") {
    if (options.ackMode === "ack") {
      raw.ack();
      return;
    }
    try {
      await raw.ackAck();
    } catch (error) {
      // The server may or may not have recorded the ack; at worst the message is
      // redelivered and the idempotent handler skips it.
      options.logger.warn({ ...context, ...errorField(error) }, "ack not confirmed");
    }
    return;
  }
  if (outcome.kind === "term") {
    options.logger.warn({ ...context, reason: outcome.reason }, "work message terminated");
    // The reason stays in our log: NATS 2.9 does not accept a reason on +TERM.
    raw.term();
    return;
  }
  const lastDelivery = options.maxDeliver > 0 && deliveryCount >= options.maxDeliver;
  if (outcome.kind === "failed") {
    const level = lastDelivery ? "error" : "warn";
    options.logger[level]({ ...context, ...errorField(outcome.error) }, "work handler failed");
  }
  if (lastDelivery) {
    options.logger.error(
      { ...context, maxDeliver: options.maxDeliver },
      "giving up on work message after max deliveries",
    );
    raw.term();
    return;
  }
  const delayMs = outcome.kind === "failed" ? options.retryDelayMs(deliveryCount) : outcome.delayMs;
  raw.nak(delayMs !== undefined && delayMs > 0 ? delayMs : undefined);
}
