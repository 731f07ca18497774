import { createLogger } from "@warden/logger";
import { freePort } from "@warden/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { PermanentError, type RetryPolicy } from "../retry-policy.js";
import { createFanOutNotifier } from "./fan-out-notifier.js";
import type { Notification } from "./notification.js";
import { startReceiver, type TestReceiver } from "./test-receiver.js";
import { createWebhookNotifier } from "./webhook-notifier.js";
import {
  IDEMPOTENCY_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhook,
} from "./webhook-signature.js";

const SECRET = "whsec-0123456789abcdef";
const POLICY: RetryPolicy = { initialMs: 100, factor: 2, maxMs: 3_600_000, jitter: 0.2 };
const logger = createLogger({ service: "sweeper", level: "silent" });
const receivers: TestReceiver[] = [];
const notification: Notification = {
  idempotencyKey: "job-failures:pj_1:1",
  kind: "job_completed_with_failures",
  title: "Revoke job pj_1 finished with 2 failed items",
  text: "run 1: 8 revoked, 0 skipped, 2 failed of 10.",
  occurredAt: new Date("2026-11-22T08:00:00Z"),
  metadata: { job_id: "pj_1", failed: 2 },
};

async function receiver(answer?: (n: number) => number | "hang") {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
}
const webhook = (url: string, timeoutMs = 5_000) =>
  createWebhookNotifier({ url, format: "json", secret: SECRET, policy: POLICY, timeoutMs, logger });

afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

describe("webhook notifier", () => {
  it("signs timestamp.body with HMAC-SHA256 and carries the idempotency key in a header and the body", async () => {
    const r = await receiver();
    await webhook(r.url).send(notification, new AbortController().signal);
    expect(r.requests).toHaveLength(1);
    const { headers, body } = r.requests[0]!;
    expect(
      verifyWebhook(SECRET, String(headers[TIMESTAMP_HEADER]), body, String(headers[SIGNATURE_HEADER])),
    ).toBe(true);
    expect(
      verifyWebhook(
        "another-secret-0000",
        String(headers[TIMESTAMP_HEADER]),
        body,
        String(headers[SIGNATURE_HEADER]),
      ),
    ).toBe(false);
    expect(
      verifyWebhook(
        SECRET,
        String(headers[TIMESTAMP_HEADER]),
        body.replace("2 failed", "0 failed"),
        String(headers[SIGNATURE_HEADER]),
      ),
    ).toBe(false);
    expect(headers[IDEMPOTENCY_HEADER]).toBe(notification.idempotencyKey);
    expect(JSON.parse(body)).toMatchObject({
      idempotency_key: notification.idempotencyKey,
      kind: notification.kind,
      metadata: { failed: 2 },
    });
    expect(body).not.toContain(SECRET);
  });

  it("retries a 500 with growing backoff until a later 200", async () => {
    const r = await receiver((n) => (n <= 3 ? 500 : 200));
    await webhook(r.url).send(notification, new AbortController().signal);
    expect(r.requests).toHaveLength(4);
    const gaps = r.requests.slice(1).map((req, i) => req.at - r.requests[i]!.at);
    // 100, 200, 400 ms nominal, ±20 %.
    expect(gaps[0]).toBeGreaterThanOrEqual(75);
    expect(gaps[1]).toBeGreaterThanOrEqual(155);
    expect(gaps[2]).toBeGreaterThanOrEqual(315);
    expect(new Set(r.requests.map((q) => q.headers[IDEMPOTENCY_HEADER]))).toEqual(
      new Set([notification.idempotencyKey]),
    );
  });

  it("does not retry a 400", async () => {
    const r = await receiver(() => 400);
    await expect(webhook(r.url).send(notification, new AbortController().signal)).rejects.toBeInstanceOf(
      PermanentError,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(r.requests).toHaveLength(1);
  });

  it("sends Slack webhooks a {text} body", async () => {
    const r = await receiver();
    await createWebhookNotifier({
      url: r.url,
      format: "slack",
      policy: POLICY,
      timeoutMs: 5_000,
      logger,
    }).send(notification, new AbortController().signal);
    const body = JSON.parse(r.requests[0]!.body) as { text: string };
    expect(body.text).toBe(`*${notification.title}*\n${notification.text}`);
  });
});

describe("fan-out notifier", () => {
  it("delivers to a live sink at once while a hanging and a refusing sink keep failing, then joins their errors", async () => {
    const live = await receiver();
    const hanging = await receiver(() => "hang");
    const refusing = `http://127.0.0.1:${await freePort()}/hook`;
    const liveSink = webhook(live.url);
    let liveDelivered: () => void = () => {};
    const delivered = new Promise<void>((resolve) => (liveDelivered = resolve));
    const fanOut = createFanOutNotifier([
      webhook(hanging.url, 60_000),
      webhook(refusing),
      {
        ...liveSink,
        send: async (n, signal) => {
          await liveSink.send(n, signal);
          liveDelivered();
        },
      },
    ]);
    const controller = new AbortController();
    let settled = false;
    const outcome = fanOut.send(notification, controller.signal).then(
      () => undefined,
      (error: unknown) => error,
    );
    void outcome.finally(() => (settled = true));
    // The live sink is done while the hanging one still holds the fan-out open: one bad sink
    // never blocks the others.
    await delivered;
    expect(live.requests).toHaveLength(1);
    expect(settled).toBe(false);
    controller.abort(new Error("test over"));
    const error = await outcome;
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map(String)).toHaveLength(2);
  });
});
