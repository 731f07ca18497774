import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AckPolicy, millis } from "nats";
import { busNames } from "./bus-names.js";
import type { Bus } from "./connect-bus.js";
import { ensureStreams } from "./ensure-streams.js";
import { ensureWorkConsumer } from "./ensure-work-consumer.js";
import { connectTestBus, deleteNamespaceStreams, randomNamespace } from "./test-bus.js";

const namespace = randomNamespace();
const names = busNames(namespace);
let bus: Bus;

beforeAll(async () => {
  bus = await connectTestBus("ensure-work-consumer.test");
  await ensureStreams(bus.jsm, namespace);
});

afterAll(async () => {
  await deleteNamespaceStreams(bus.jsm, namespace);
  await bus.close();
});

describe("ensureWorkConsumer", { timeout: 30_000 }, () => {
  const options = { ackWaitMs: 30_000, maxDeliver: 10, maxAckPending: 1_000 };

  it("replicas creating the shared durable at once all succeed", async () => {
    const infos = await Promise.all(
      Array.from({ length: 5 }, () =>
        ensureWorkConsumer(bus.jsm, names.streams.revokeItems, names.consumers.revokeExecutor, options),
      ),
    );
    for (const info of infos) expect(info.name).toBe(names.consumers.revokeExecutor);
    const info = await bus.jsm.consumers.info(names.streams.revokeItems, names.consumers.revokeExecutor);
    expect(info.config.ack_policy).toBe(AckPolicy.Explicit);
    expect(info.config.durable_name).toBe(names.consumers.revokeExecutor);
    expect(info.config.max_deliver).toBe(10);
  });

  it("updates ack wait, max deliver and max ack pending in place", async () => {
    const updated = await ensureWorkConsumer(
      bus.jsm,
      names.streams.revokeItems,
      names.consumers.revokeExecutor,
      {
        ackWaitMs: 45_000,
        maxDeliver: 20,
        maxAckPending: 500,
      },
    );
    expect(millis(updated.config.ack_wait!)).toBe(45_000);
    expect(updated.config.max_deliver).toBe(20);
    expect(updated.config.max_ack_pending).toBe(500);
  });

  it("refuses to silently keep a different filter subject", async () => {
    await expect(
      ensureWorkConsumer(bus.jsm, names.streams.revokeItems, names.consumers.revokeExecutor, {
        ...options,
        filterSubject: names.subjects.revokeItem("pj_other"),
      }),
    ).rejects.toThrow(/filter/);
  });
});
