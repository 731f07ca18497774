import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { busNames, publishEvent } from "@warden/bus";
import { JobEventSchema } from "@warden/proto/events/v1";
import { JobStatus } from "@warden/proto/jobs/v1";
import { waitFor } from "@warden/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_RETRY_POLICY } from "../retry-policy.js";
import { openTestInfrastructure, type TestInfrastructure } from "../test-infrastructure.js";
import { buildNotifier } from "./build-notifier.js";
import { runEventRouter } from "./event-router.js";
import { createNotificationDispatcher } from "./notification-dispatcher.js";
import { startReceiver, type TestReceiver } from "./test-receiver.js";

// A notification is not lost when the sweeper stops (or dies) before its sink
// took it: the event stays unacked on the durable consumer and the next router delivers it.

let infra: TestInfrastructure;
let receiver: TestReceiver;
let healthy = false;

beforeAll(async () => {
  infra = await openTestInfrastructure("router_redeliver");
  receiver = await startReceiver(() => (healthy ? 200 : 503));
});
afterAll(async () => {
  await receiver?.close();
  await infra?.close();
});

function startRouter() {
  const notifications = createNotificationDispatcher(
    buildNotifier(
      {
        webhookUrls: [receiver.url],
        webhookSecret: "whsec-redeliver-0123456789",
        slackUrls: [],
        timeoutMs: 5_000,
        policy: { ...DEFAULT_RETRY_POLICY, initialMs: 50, maxMs: 200 },
      },
      infra.logger,
    ),
    infra.logger,
  );
  const stop = new AbortController();
  const running = runEventRouter({
    bus: infra.bus,
    names: busNames(infra.namespace),
    redis: infra.redis,
    notifications,
    logger: infra.logger,
    signal: stop.signal,
  });
  return {
    // As main.ts stops it: the router and the dispatcher together, deliveries aborted after a grace.
    stop: async () => {
      stop.abort();
      await Promise.all([running, notifications.close(100)]);
    },
  };
}

describe("event router across a restart", () => {
  it("delivers a notification whose sink was down when the first router stopped", async () => {
    const first = startRouter();
    const NS = infra.namespace.toUpperCase();
    await waitFor(async () => (await infra.bus.jsm.consumers.list(`${NS}_EVENTS`).next()).length === 3, {
      message: "router consumers",
    });
    const names = busNames(infra.namespace);
    await publishEvent(
      infra.bus.js,
      names.subjects.jobEvent("pj_lost", "completed"),
      JobEventSchema,
      create(JobEventSchema, {
        occurredAt: timestampNow(),
        eventId: "completed:pj_lost:1",
        job: {
          id: "pj_lost",
          run: 1,
          status: JobStatus.COMPLETED,
          counts: { total: 3n, revoked: 1n, failed: 2n },
        },
      }),
      { msgId: "completed:pj_lost:1" },
    );
    // The sink refuses (503) and the delivery keeps retrying; then the sweeper stops.
    await waitFor(() => receiver.requests.length >= 2, { message: "failed attempts" });
    await first.stop();

    healthy = true;
    const before = receiver.requests.length;
    const second = startRouter();
    try {
      await waitFor(() => receiver.requests.length > before, {
        message: "the notification from the second router",
        timeoutMs: 30_000,
      });
      const body = JSON.parse(receiver.requests.at(-1)!.body) as { kind: string; idempotency_key: string };
      expect(body.kind).toBe("job_completed_with_failures");
    } finally {
      await second.stop();
    }
  });
});
