import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RefreshDueSchema } from "@warden/proto/work/v1";
import type { JsMsg } from "nats";
import type { Bus } from "./connect-bus.js";
import { publishWork } from "./publish-work.js";
import { superviseConsumer } from "./supervise-consumer.js";
import {
  capturingLogger,
  connectTestBus,
  createTestWorkQueue,
  deleteNamespaceStreams,
  randomNamespace,
  waitFor,
} from "./test-bus.js";

const namespace = randomNamespace();
let bus: Bus;

beforeAll(async () => {
  bus = await connectTestBus("supervise-consumer.test");
});

afterAll(async () => {
  await deleteNamespaceStreams(bus.jsm, namespace);
  await bus.close();
});

describe("superviseConsumer", { timeout: 30_000 }, () => {
  it("keeps retrying until the stream exists, then consumes", async () => {
    const logger = capturingLogger();
    const stream = `${namespace.toUpperCase()}_LATE`;
    const received: JsMsg[] = [];
    const controller = new AbortController();
    const supervising = superviseConsumer({
      js: bus.js,
      stream,
      durable: `${stream}_WORKER`,
      signal: controller.signal,
      logger,
      pull: { maxMessages: 10, expiresMs: 1_000 },
      restartDelay: { initialMs: 50, maxMs: 200 },
      onConsumerInfo: () => {},
      onMessage: async (msg) => {
        received.push(msg);
        msg.ack();
      },
      onAbandoned: (msg) => msg.nak(),
    });
    await waitFor(
      () => logger.lines.filter((line) => /restarting/.test(line.message)).length >= 2,
      5_000,
      "retries",
    );
    const queue = await createTestWorkQueue(bus.jsm, namespace, "late");
    expect(queue.stream).toBe(stream);
    await publishWork(bus.js, queue.subject, RefreshDueSchema, { accountId: "ca_1" }, { msgId: "1" });
    await waitFor(() => received.length === 1, 5_000, "the message");
    controller.abort();
    await supervising;
  });

  it("resolves promptly when aborted while idle", async () => {
    const queue = await createTestWorkQueue(bus.jsm, namespace, "idle");
    const controller = new AbortController();
    const supervising = superviseConsumer({
      js: bus.js,
      stream: queue.stream,
      durable: queue.durable,
      signal: controller.signal,
      logger: capturingLogger(),
      pull: { maxMessages: 10, expiresMs: 30_000 },
      onConsumerInfo: () => {},
      onMessage: async () => {},
      onAbandoned: () => {},
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    controller.abort();
    await supervising;
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
