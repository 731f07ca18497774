import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RefreshDueSchema } from "@warden/proto/work/v1";
import { connectBus, type Bus } from "./connect-bus.js";
import { publishWorkBatch } from "./publish-work-batch.js";
import { purgeAckedWork } from "./purge-acked-work.js";
import { startPrivateNatsServer, type PrivateNatsServer } from "./private-nats-server.js";
import { runConsumer } from "./run-consumer.js";
import { capturingLogger, createTestWorkQueue, randomNamespace, waitFor } from "./test-bus.js";

// Runs against a private nats-server so it can be SIGKILLed; the shared server is never touched.
let server: PrivateNatsServer;
let bus: Bus;
const logger = capturingLogger();

beforeAll(async () => {
  server = await startPrivateNatsServer();
  bus = await connectBus({ servers: [server.url], name: "restart.test", logger, reconnectTimeWaitMs: 100 });
});

afterAll(async () => {
  await bus.close();
  await server.dispose();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("runConsumer across a NATS crash", { timeout: 60_000 }, () => {
  it("resumes after kill -9 and a restart on the same store, and every item is processed", async () => {
    const namespace = randomNamespace();
    const queue = await createTestWorkQueue(bus.jsm, namespace, "crash", { ackWaitMs: 3_000 });
    const total = 3_000;
    await publishWorkBatch(
      bus.nc,
      Array.from({ length: total }, (_, i) => ({
        subject: queue.subject,
        schema: RefreshDueSchema,
        message: { accountId: `ca_${i}` },
        msgId: `ca_${i}`,
      })),
    );
    // Let the file store flush what it acknowledged before we crash it.
    await sleep(300);

    const seen = new Set<string>();
    let handled = 0;
    const controller = new AbortController();
    const loop = runConsumer({
      js: bus.js,
      stream: queue.stream,
      durable: queue.durable,
      schema: RefreshDueSchema,
      concurrency: 8,
      signal: controller.signal,
      logger,
      batch: { maxMessages: 64, expiresMs: 2_000 },
      ensureConsumer: queue.ensureConsumer,
      restartDelay: { initialMs: 100, maxMs: 1_000 },
      handler: async ({ message }) => {
        await sleep(2);
        handled++;
        seen.add(message.accountId);
        return { kind: "ack" };
      },
    });

    await waitFor(() => seen.size >= 500, 20_000, "progress before the crash");
    await server.kill();
    const seenAtCrash = seen.size;
    expect(seenAtCrash).toBeLessThan(total);
    await sleep(500);
    await server.restart();

    await waitFor(() => seen.size === total, 40_000, "every item after the restart");
    // Acks lost in the crash come back after the ack wait and are acked again.
    await waitFor(
      async () => {
        const info = await bus.jsm.consumers.info(queue.stream, queue.durable);
        return info.num_pending === 0 && info.num_ack_pending === 0;
      },
      20_000,
      "every delivery acked",
    );
    controller.abort();
    await loop;
    expect(logger.lines.some((line) => /disconnected/.test(line.message))).toBe(true);
    expect(logger.lines.some((line) => /reconnected/.test(line.message))).toBe(true);
    // NATS 2.9 may keep acked copies it failed to delete before the crash.
    await purgeAckedWork(bus.jsm, queue.stream, queue.durable);
    expect((await bus.jsm.streams.info(queue.stream)).state.messages).toBe(0);
    expect(handled).toBeGreaterThanOrEqual(total);
  });
});
