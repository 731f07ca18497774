import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RefreshDueSchema, RevokeWorkItemSchema } from "@warden/proto/work/v1";
import { busNames } from "./bus-names.js";
import type { Bus } from "./connect-bus.js";
import { ensureStreams } from "./ensure-streams.js";
import { ensureWorkConsumer } from "./ensure-work-consumer.js";
import { publishWork } from "./publish-work.js";
import { publishWorkBatch, type WorkToPublish } from "./publish-work-batch.js";
import { runConsumer } from "./run-consumer.js";
import {
  capturingLogger,
  connectTestBus,
  createTestWorkQueue,
  deleteNamespaceStreams,
  randomNamespace,
  waitFor,
} from "./test-bus.js";

const namespace = randomNamespace();
const names = busNames(namespace);
let bus: Bus;

beforeAll(async () => {
  bus = await connectTestBus("run-consumer.test");
  await ensureStreams(bus.jsm, namespace);
});

afterAll(async () => {
  await deleteNamespaceStreams(bus.jsm, namespace);
  await bus.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function streamMessages(stream: string): Promise<number> {
  return (await bus.jsm.streams.info(stream)).state.messages;
}

async function publishRefreshes(subject: string, ids: string[]): Promise<void> {
  await publishWorkBatch(
    bus.nc,
    ids.map((accountId) => ({ subject, schema: RefreshDueSchema, message: { accountId }, msgId: accountId })),
  );
}

describe("runConsumer", { timeout: 60_000 }, () => {
  it("three loops sharing one durable process 20k items exactly once", async () => {
    const total = 20_000;
    const jobId = "pj_bulk";
    await ensureWorkConsumer(bus.jsm, names.streams.revokeItems, names.consumers.revokeExecutor, {
      ackWaitMs: 30_000,
      maxDeliver: 5,
      maxAckPending: 5_000,
    });
    const items: WorkToPublish[] = Array.from({ length: total }, (_, i) => ({
      subject: names.subjects.revokeItem(jobId),
      schema: RevokeWorkItemSchema,
      message: { jobId, run: 1, accountId: `ca_${i}`, authConfigId: "ac_1" },
      msgId: `${jobId}:1:ca_${i}`,
    }));
    expect(await publishWorkBatch(bus.nc, items)).toEqual({ published: total, duplicates: 0 });

    const seen = new Map<string, number>();
    const perLoop = [0, 0, 0];
    let inFlight = 0;
    let maxInFlight = 0;
    const controller = new AbortController();
    const loops = perLoop.map((_, loop) =>
      runConsumer({
        js: bus.js,
        stream: names.streams.revokeItems,
        durable: names.consumers.revokeExecutor,
        schema: RevokeWorkItemSchema,
        concurrency: 16,
        signal: controller.signal,
        handler: async ({ message, deliveryCount }) => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await Promise.resolve();
          seen.set(message.accountId, (seen.get(message.accountId) ?? 0) + 1);
          perLoop[loop]!++;
          expect(deliveryCount).toBe(1);
          inFlight--;
          return { kind: "ack" };
        },
      }),
    );
    await waitFor(() => seen.size === total, 45_000, "all items");
    controller.abort();
    await Promise.all(loops);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
    expect(perLoop.every((count) => count > 0)).toBe(true);
    expect(maxInFlight).toBeLessThanOrEqual(3 * 16);
    await waitFor(async () => (await streamMessages(names.streams.revokeItems)) === 0, 5_000, "empty stream");
  });

  it("a nak with delay is redelivered after roughly the delay while other work flows", async () => {
    const queue = await createTestWorkQueue(bus.jsm, namespace, "nakdelay");
    const events: string[] = [];
    let firstSeenAt = 0;
    let redeliveredAt = 0;
    const controller = new AbortController();
    const loop = runConsumer({
      js: bus.js,
      stream: queue.stream,
      durable: queue.durable,
      schema: RefreshDueSchema,
      concurrency: 4,
      signal: controller.signal,
      handler: async ({ message, deliveryCount }) => {
        events.push(`${message.accountId}#${deliveryCount}`);
        if (message.accountId === "ca_later" && deliveryCount === 1) {
          firstSeenAt = Date.now();
          return { kind: "nak", delayMs: 1_500 };
        }
        if (message.accountId === "ca_later") redeliveredAt = Date.now();
        return { kind: "ack" };
      },
    });
    await publishRefreshes(queue.subject, ["ca_later"]);
    await waitFor(() => firstSeenAt > 0, 5_000, "first delivery");
    await publishRefreshes(queue.subject, ["ca_a", "ca_b"]);
    await waitFor(() => redeliveredAt > 0, 10_000, "redelivery");
    controller.abort();
    await loop;
    expect(events).toEqual(["ca_later#1", "ca_a#1", "ca_b#1", "ca_later#2"]);
    expect(redeliveredAt - firstSeenAt).toBeGreaterThanOrEqual(1_200);
  });

  it("a handler that throws is redelivered with backoff and then acked", async () => {
    const queue = await createTestWorkQueue(bus.jsm, namespace, "throws");
    const logger = capturingLogger();
    const deliveries: number[] = [];
    const controller = new AbortController();
    const loop = runConsumer({
      js: bus.js,
      stream: queue.stream,
      durable: queue.durable,
      schema: RefreshDueSchema,
      concurrency: 2,
      signal: controller.signal,
      logger,
      retryDelayMs: () => 100,
      handler: async ({ deliveryCount }) => {
        deliveries.push(deliveryCount);
        if (deliveryCount < 3) throw new Error("provider 503");
        return { kind: "ack" };
      },
    });
    await publishRefreshes(queue.subject, ["ca_flaky"]);
    await waitFor(() => deliveries.length === 3, 10_000, "three deliveries");
    controller.abort();
    await loop;
    expect(deliveries).toEqual([1, 2, 3]);
    expect(logger.lines.filter((line) => line.message === "work handler failed")).toHaveLength(2);
    await waitFor(async () => (await streamMessages(queue.stream)) === 0, 5_000, "acked");
  });

  it("a handler failing on the last allowed delivery is terminated, not left stuck", async () => {
    const queue = await createTestWorkQueue(bus.jsm, namespace, "maxdeliver", { maxDeliver: 2 });
    const logger = capturingLogger();
    let deliveries = 0;
    const controller = new AbortController();
    const loop = runConsumer({
      js: bus.js,
      stream: queue.stream,
      durable: queue.durable,
      schema: RefreshDueSchema,
      concurrency: 1,
      signal: controller.signal,
      logger,
      retryDelayMs: () => 50,
      handler: async ({ maxDeliver }) => {
        deliveries++;
        expect(maxDeliver).toBe(2);
        throw new Error("always");
      },
    });
    await publishRefreshes(queue.subject, ["ca_doomed"]);
    await waitFor(async () => (await streamMessages(queue.stream)) === 0, 10_000, "terminated");
    controller.abort();
    await loop;
    expect(deliveries).toBe(2);
    expect(logger.lines.some((line) => line.level === "error" && /giving up/.test(line.message))).toBe(true);
  });

  it("a payload that does not decode is terminated as poison and never reaches the handler", async () => {
    const queue = await createTestWorkQueue(bus.jsm, namespace, "poison");
    const logger = capturingLogger();
    const handled: string[] = [];
    const controller = new AbortController();
    const loop = runConsumer({
      js: bus.js,
      stream: queue.stream,
      durable: queue.durable,
      schema: RefreshDueSchema,
      concurrency: 2,
      signal: controller.signal,
      logger,
      handler: async ({ message }) => {
        handled.push(message.accountId);
        return { kind: "ack" };
      },
    });
    // Field 1, length-delimited, length varint truncated: no decoder accepts it.
    await bus.js.publish(queue.subject, new Uint8Array([0x0a, 0xff]));
    await publishWork(bus.js, queue.subject, RefreshDueSchema, { accountId: "ca_ok" }, { msgId: "ok" });
    await waitFor(() => handled.length === 1, 5_000, "good message");
    await waitFor(async () => (await streamMessages(queue.stream)) === 0, 5_000, "poison removed");
    controller.abort();
    await loop;
    expect(handled).toEqual(["ca_ok"]);
    expect(logger.lines.some((line) => line.level === "error" && /poison/.test(line.message))).toBe(true);
  });

  it("abort stops taking work and resolves only after in-flight handlers finished", async () => {
    const queue = await createTestWorkQueue(bus.jsm, namespace, "abort");
    await publishRefreshes(
      queue.subject,
      Array.from({ length: 50 }, (_, i) => `ca_${i}`),
    );
    let started = 0;
    let finished = 0;
    let startedAfterAbort = 0;
    const controller = new AbortController();
    const loop = runConsumer({
      js: bus.js,
      stream: queue.stream,
      durable: queue.durable,
      schema: RefreshDueSchema,
      concurrency: 4,
      signal: controller.signal,
      handler: async () => {
        if (controller.signal.aborted) startedAfterAbort++;
        started++;
        await sleep(300);
        finished++;
        return { kind: "ack" };
      },
    });
    await waitFor(() => started === 4, 20_000, "four in flight");
    controller.abort();
    await loop;
    expect(startedAfterAbort).toBe(0);
    expect(started).toBe(4);
    expect(finished).toBe(4);
    // The rest were handed back, not lost.
    await waitFor(async () => (await streamMessages(queue.stream)) === 46, 20_000, "46 left");
    // Handed back means another loop gets them now, not after the 30 s ack wait: 20 s tells the
    // two apart on a loaded machine (two busy loops made 5 s too short once).
    const next = new AbortController();
    let resumed = 0;
    const successor = runConsumer({
      js: bus.js,
      stream: queue.stream,
      durable: queue.durable,
      schema: RefreshDueSchema,
      concurrency: 8,
      signal: next.signal,
      handler: async () => {
        resumed++;
        return { kind: "ack" };
      },
    });
    await waitFor(() => resumed === 46, 20_000, "the rest, before their ack wait");
    next.abort();
    await successor;
  });

  it("working() keeps a handler slower than the ack wait from being redelivered", async () => {
    const queue = await createTestWorkQueue(bus.jsm, namespace, "slow", { ackWaitMs: 1_000 });
    const deliveries: number[] = [];
    const controller = new AbortController();
    const loop = runConsumer({
      js: bus.js,
      stream: queue.stream,
      durable: queue.durable,
      schema: RefreshDueSchema,
      concurrency: 2,
      signal: controller.signal,
      handler: async ({ deliveryCount }) => {
        deliveries.push(deliveryCount);
        await sleep(2_500);
        return { kind: "ack" };
      },
    });
    await publishRefreshes(queue.subject, ["ca_slow"]);
    await waitFor(async () => (await streamMessages(queue.stream)) === 0, 10_000, "acked");
    controller.abort();
    await loop;
    expect(deliveries).toEqual([1]);
  });

  it("recreates a deleted consumer and keeps consuming", async () => {
    const queue = await createTestWorkQueue(bus.jsm, namespace, "deleted");
    const logger = capturingLogger();
    const seen = new Set<string>();
    const controller = new AbortController();
    const loop = runConsumer({
      js: bus.js,
      stream: queue.stream,
      durable: queue.durable,
      schema: RefreshDueSchema,
      concurrency: 4,
      signal: controller.signal,
      logger,
      batch: { expiresMs: 2_000 },
      ensureConsumer: queue.ensureConsumer,
      restartDelay: { initialMs: 50, maxMs: 500 },
      handler: async ({ message }) => {
        seen.add(message.accountId);
        return { kind: "ack" };
      },
    });
    await publishRefreshes(queue.subject, ["ca_before"]);
    await waitFor(() => seen.has("ca_before"), 5_000, "first item");
    await bus.jsm.consumers.delete(queue.stream, queue.durable);
    await publishRefreshes(queue.subject, ["ca_after"]);
    await waitFor(() => seen.has("ca_after"), 15_000, "item after the consumer was deleted");
    controller.abort();
    await loop;
    expect(logger.lines.some((line) => /restarting/.test(line.message))).toBe(true);
  });
});
