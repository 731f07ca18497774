import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RefreshDueSchema } from "@warden/proto/work/v1";
import type { Bus } from "./connect-bus.js";
import { publishWorkBatch } from "./publish-work-batch.js";
import { runBatchConsumer } from "./run-batch-consumer.js";
import type { WorkOutcome } from "./work-outcome.js";
import {
  connectTestBus,
  createTestWorkQueue,
  deleteNamespaceStreams,
  randomNamespace,
  waitFor,
} from "./test-bus.js";

const namespace = randomNamespace();
let bus: Bus;

beforeAll(async () => {
  bus = await connectTestBus("run-batch-consumer.test");
});

afterAll(async () => {
  await deleteNamespaceStreams(bus.jsm, namespace);
  await bus.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function publishRefreshes(subject: string, ids: string[]): Promise<void> {
  await publishWorkBatch(
    bus.nc,
    ids.map((accountId) => ({ subject, schema: RefreshDueSchema, message: { accountId }, msgId: accountId })),
  );
}

async function streamMessages(stream: string): Promise<number> {
  return (await bus.jsm.streams.info(stream)).state.messages;
}

describe("runBatchConsumer", { timeout: 60_000 }, () => {
  it("hands over batches of up to maxBatch, settles every item by its outcome, and acks all", async () => {
    const queue = await createTestWorkQueue(bus.jsm, namespace, "batches");
    const total = 5_000;
    await publishRefreshes(
      queue.subject,
      Array.from({ length: total }, (_, i) => `ca_${i}`),
    );
    const batchSizes: number[] = [];
    const seen = new Map<string, number[]>();
    let running = 0;
    let maxRunning = 0;
    const controller = new AbortController();
    const loop = runBatchConsumer({
      js: bus.js,
      stream: queue.stream,
      durable: queue.durable,
      schema: RefreshDueSchema,
      signal: controller.signal,
      maxBatch: 200,
      maxWaitMs: 20,
      concurrency: 2,
      retryDelayMs: () => 50,
      handleBatch: async (items) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        batchSizes.push(items.length);
        await sleep(5); // one "transaction" for the whole batch
        running--;
        return items.map(({ message, deliveryCount }): WorkOutcome => {
          seen.set(message.accountId, [...(seen.get(message.accountId) ?? []), deliveryCount]);
          // One item asks to be retried: only it comes back.
          return message.accountId === "ca_7" && deliveryCount === 1
            ? { kind: "nak", delayMs: 100 }
            : { kind: "ack" };
        });
      },
    });
    await waitFor(async () => (await streamMessages(queue.stream)) === 0, 30_000, "every item acked");
    controller.abort();
    await loop;
    expect(seen.size).toBe(total);
    expect(seen.get("ca_7")).toEqual([1, 2]);
    expect(
      [...seen.entries()].filter(([id, deliveries]) => id !== "ca_7" && deliveries.length !== 1),
    ).toEqual([]);
    expect(Math.max(...batchSizes)).toBeGreaterThan(1);
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(200);
    expect(batchSizes.reduce((sum, size) => sum + size, 0)).toBe(total + 1);
    expect(maxRunning).toBeLessThanOrEqual(2);
  });

  it("a partial batch is handled after maxWaitMs", async () => {
    const queue = await createTestWorkQueue(bus.jsm, namespace, "partial");
    const batchSizes: number[] = [];
    const controller = new AbortController();
    const loop = runBatchConsumer({
      js: bus.js,
      stream: queue.stream,
      durable: queue.durable,
      schema: RefreshDueSchema,
      signal: controller.signal,
      maxBatch: 100,
      maxWaitMs: 50,
      handleBatch: async (items) => {
        batchSizes.push(items.length);
        return items.map(() => ({ kind: "ack" }) as const);
      },
    });
    await publishRefreshes(queue.subject, ["ca_1", "ca_2", "ca_3"]);
    await waitFor(() => batchSizes.reduce((sum, size) => sum + size, 0) === 3, 5_000, "three items");
    controller.abort();
    await loop;
    expect(Math.max(...batchSizes)).toBeLessThan(100);
  });

  it("a failing batch naks every item, which then succeeds on redelivery", async () => {
    const queue = await createTestWorkQueue(bus.jsm, namespace, "failing");
    await publishRefreshes(queue.subject, ["ca_1", "ca_2", "ca_3", "ca_4"]);
    let calls = 0;
    const acked = new Set<string>();
    const controller = new AbortController();
    const loop = runBatchConsumer({
      js: bus.js,
      stream: queue.stream,
      durable: queue.durable,
      schema: RefreshDueSchema,
      signal: controller.signal,
      maxBatch: 10,
      maxWaitMs: 100,
      retryDelayMs: () => 100,
      handleBatch: async (items) => {
        calls++;
        if (items.some((item) => item.deliveryCount === 1)) throw new Error("transaction rolled back");
        for (const item of items) acked.add(item.message.accountId);
        return items.map(() => ({ kind: "ack" }) as const);
      },
    });
    await waitFor(async () => (await streamMessages(queue.stream)) === 0, 10_000, "all acked");
    controller.abort();
    await loop;
    expect(acked.size).toBe(4);
    expect(calls).toBeGreaterThanOrEqual(2);
  });

  it("abort waits for the running batch and hands back what was only gathered", async () => {
    const queue = await createTestWorkQueue(bus.jsm, namespace, "abort");
    await publishRefreshes(
      queue.subject,
      Array.from({ length: 30 }, (_, i) => `ca_${i}`),
    );
    let started = 0;
    let finished = 0;
    const controller = new AbortController();
    const loop = runBatchConsumer({
      js: bus.js,
      stream: queue.stream,
      durable: queue.durable,
      schema: RefreshDueSchema,
      signal: controller.signal,
      maxBatch: 10,
      maxWaitMs: 10,
      handleBatch: async (items) => {
        started += items.length;
        await sleep(300);
        finished += items.length;
        return items.map(() => ({ kind: "ack" }) as const);
      },
    });
    await waitFor(() => started > 0, 5_000, "a running batch");
    controller.abort();
    await loop;
    expect(finished).toBe(started);
    await waitFor(
      async () => (await streamMessages(queue.stream)) === 30 - finished,
      5_000,
      "rest handed back",
    );
  });
});
