import { createLogger } from "@warden/logger";
import { waitFor } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RetryPolicy } from "../retry-policy.js";
import { openTestInfrastructure, type TestInfrastructure } from "../test-infrastructure.js";
import type { Notification } from "./notification.js";
import { createNotificationDispatcher, type NotificationDispatcher } from "./notification-dispatcher.js";
import { startNotificationDelivery, type NotificationDelivery } from "./notification-outbox-delivery.js";
import { enqueueNotifications } from "./notification-outbox.repository.js";
import { startReceiver, type TestReceiver } from "./test-receiver.js";
import { IDEMPOTENCY_HEADER } from "./webhook-signature.js";
import { createWebhookNotifier } from "./webhook-notifier.js";

const POLICY: RetryPolicy = { initialMs: 50, factor: 2, maxMs: 1_000, jitter: 0.2 };
const logger = createLogger({ service: "sweeper", level: "silent" });
let infra: TestInfrastructure;
let serial = 0;

beforeAll(async () => {
  infra = await openTestInfrastructure("notifyoutbox");
});
afterAll(async () => {
  await infra?.close();
});

function notification(): Notification {
  serial++;
  return {
    idempotencyKey: `test:${serial}`,
    kind: "reconnect_digest",
    title: `digest ${serial}`,
    text: "• auth config ac_1 (project prj_1): 1",
    occurredAt: new Date(),
    metadata: { accounts: 1, account_ids: [`ca_${serial}`] },
  };
}

async function enqueue(notifications: Notification[]): Promise<void> {
  await infra.database.db.transaction().execute((trx) => enqueueNotifications(trx, notifications));
}

const rowsOf = (keys: string[]) =>
  infra.database.db
    .selectFrom("notification_outbox")
    .selectAll()
    .where("idempotency_key", "in", keys)
    .execute();

/** A deliverer to `receiver` as one sweeper replica runs it, with its own dispatcher. */
function deliverer(receiver: TestReceiver, pollIntervalMs = 100) {
  const dispatcher: NotificationDispatcher = createNotificationDispatcher(
    createWebhookNotifier({ url: receiver.url, format: "json", policy: POLICY, timeoutMs: 30_000, logger }),
    logger,
  );
  const delivery: NotificationDelivery = startNotificationDelivery({
    db: infra.database.db,
    notifications: dispatcher,
    logger,
    settings: { claimMs: 30_000, pollIntervalMs },
  });
  return {
    delivery,
    async stop(graceMs = 1_000) {
      await Promise.all([delivery.stop(), dispatcher.close(graceMs)]);
    },
  };
}

describe("notification outbox delivery", () => {
  it("retries a 5xx until the receiver acknowledges, then deletes the row; drops a 4xx-refused one without retrying", async () => {
    const retried = notification();
    const refused = notification();
    const receiver = await startReceiver((n) => (n <= 2 ? 503 : 200));
    const refusing = await startReceiver(() => 400);
    const first = deliverer(receiver);
    let second: ReturnType<typeof deliverer> | undefined;
    try {
      await enqueue([retried]);
      await waitFor(async () => (await rowsOf([retried.idempotencyKey])).length === 0, {
        message: "the retried notification acknowledged",
      });
      expect(receiver.requests.map((r) => r.headers[IDEMPOTENCY_HEADER])).toEqual([
        retried.idempotencyKey,
        retried.idempotencyKey,
        retried.idempotencyKey,
      ]);
      await first.stop();
      second = deliverer(refusing);
      await enqueue([refused]);
      await waitFor(async () => (await rowsOf([refused.idempotencyKey])).length === 0, {
        message: "the refused notification settled",
      });
      expect(refusing.requests).toHaveLength(1);
    } finally {
      await Promise.all([first.stop(), second?.stop()]);
      await Promise.all([receiver.close(), refusing.close()]);
    }
  });

  it("hands a row back when shutdown aborts its delivery, so another replica delivers it under the same key", async () => {
    const pending = notification();
    const hanging = await startReceiver(() => "hang");
    const stopping = deliverer(hanging);
    await enqueue([pending]);
    await waitFor(() => hanging.requests.length === 1, { message: "the hung POST" });
    await stopping.stop(50);
    const [row] = await rowsOf([pending.idempotencyKey]);
    expect(row).toMatchObject({ claims: 1, claimed_until: null });

    const answering = await startReceiver(() => 200);
    const next = deliverer(answering);
    try {
      await waitFor(async () => (await rowsOf([pending.idempotencyKey])).length === 0, {
        message: "the handed-back notification delivered",
      });
      expect(answering.requests.map((r) => r.headers[IDEMPOTENCY_HEADER])).toEqual([pending.idempotencyKey]);
    } finally {
      await next.stop();
      await Promise.all([hanging.close(), answering.close()]);
    }
  });

  it("two replicas delivering at once send each notification once", async () => {
    const batch = Array.from({ length: 40 }, notification);
    const receiver = await startReceiver(() => 200);
    const replicas = [deliverer(receiver, 20), deliverer(receiver, 20)];
    try {
      await enqueue(batch);
      const keys = batch.map((n) => n.idempotencyKey);
      await waitFor(async () => (await rowsOf(keys)).length === 0, {
        message: "every notification delivered",
      });
      const delivered = receiver.requests.map((r) => r.headers[IDEMPOTENCY_HEADER]);
      expect([...delivered].sort()).toEqual([...keys].sort());
    } finally {
      await Promise.all(replicas.map((r) => r.stop()));
      await receiver.close();
    }
  });
});
