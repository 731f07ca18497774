import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RefreshDueSchema } from "@warden/proto/work/v1";
import type { Bus } from "./connect-bus.js";
import { publishWorkBatch } from "./publish-work-batch.js";
import { purgeAckedWork } from "./purge-acked-work.js";
import { connectTestBus, createTestWorkQueue, deleteNamespaceStreams, randomNamespace } from "./test-bus.js";

const namespace = randomNamespace();
let bus: Bus;

beforeAll(async () => {
  bus = await connectTestBus("purge-acked-work.test");
});

afterAll(async () => {
  await deleteNamespaceStreams(bus.jsm, namespace);
  await bus.close();
});

describe("purgeAckedWork", { timeout: 30_000 }, () => {
  it("never removes work that is pending or delivered but unacked", async () => {
    const queue = await createTestWorkQueue(bus.jsm, namespace, "purge");
    await publishWorkBatch(
      bus.nc,
      Array.from({ length: 10 }, (_, i) => ({
        subject: queue.subject,
        schema: RefreshDueSchema,
        message: { accountId: `ca_${i}` },
        msgId: `ca_${i}`,
      })),
    );
    const consumer = await bus.js.consumers.get(queue.stream, queue.durable);
    const first = await consumer.next({ expires: 2_000 });
    const second = await consumer.next({ expires: 2_000 });
    first?.ack();
    // second stays unacked: the ack floor must not pass it.
    await bus.nc.flush();
    expect(second?.seq).toBe(2);

    expect(await purgeAckedWork(bus.jsm, queue.stream, queue.durable)).toBe(0);
    expect((await bus.jsm.streams.info(queue.stream)).state.messages).toBe(9);
  });
});
