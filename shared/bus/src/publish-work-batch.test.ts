import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RefreshDueSchema, RevokeWorkItemSchema } from "@warden/proto/work/v1";
import { busNames } from "./bus-names.js";
import type { Bus } from "./connect-bus.js";
import { ensureStreams } from "./ensure-streams.js";
import { publishWorkBatch, type WorkToPublish } from "./publish-work-batch.js";
import { connectTestBus, deleteNamespaceStreams, randomNamespace } from "./test-bus.js";

const namespace = randomNamespace();
const names = busNames(namespace);
let bus: Bus;

beforeAll(async () => {
  bus = await connectTestBus("publish-work-batch.test");
  await ensureStreams(bus.jsm, namespace);
});

afterAll(async () => {
  await deleteNamespaceStreams(bus.jsm, namespace);
  await bus.close();
});

describe("publishWorkBatch", { timeout: 30_000 }, () => {
  const items = (jobId: string, count: number): Iterable<WorkToPublish> => ({
    *[Symbol.iterator]() {
      for (let i = 0; i < count; i++) {
        yield {
          subject: names.subjects.revokeItem(jobId),
          schema: RevokeWorkItemSchema,
          message: { jobId, run: 1, accountId: `ca_${i}`, authConfigId: "ac_1" },
          msgId: `${jobId}:1:ca_${i}`,
        };
      }
    },
  });

  it("stores every item once and counts re-published ones as duplicates", async () => {
    const first = await publishWorkBatch(bus.js, items("pj_batch", 3_000), { window: 128 });
    expect(first).toEqual({ published: 3_000, duplicates: 0 });
    // A planner that crashed mid-way simply re-runs: the ids dedup.
    const rerun = await publishWorkBatch(bus.js, items("pj_batch", 3_500));
    expect(rerun).toEqual({ published: 3_500, duplicates: 3_000 });
    const info = await bus.jsm.streams.info(names.streams.revokeItems, { subjects_filter: ">" });
    expect(info.state.subjects?.[names.subjects.revokeItem("pj_batch")]).toBe(3_500);
  });

  it("accepts an async source and rejects with the first failure after in-flight publishes settle", async () => {
    async function* source(): AsyncIterable<WorkToPublish> {
      yield* items("pj_async", 10);
      yield { subject: `${namespace}.nowhere`, schema: RefreshDueSchema, message: {}, msgId: "bad" };
      yield* items("pj_async_after", 10);
    }
    await expect(
      publishWorkBatch(bus.js, source(), { window: 4, attempts: 1, timeoutMs: 1_000 }),
    ).rejects.toThrow();
    const info = await bus.jsm.streams.info(names.streams.revokeItems, { subjects_filter: ">" });
    expect(info.state.subjects?.[names.subjects.revokeItem("pj_async")]).toBe(10);
  });
});

describe("publishWorkBatch through a JetStream client", { timeout: 30_000 }, () => {
  it("uses the client's connection", async () => {
    const result = await publishWorkBatch(bus.js, [
      {
        subject: names.subjects.refreshDue,
        schema: RefreshDueSchema,
        message: { accountId: "ca_js" },
        msgId: "js-1",
      },
    ]);
    expect(result).toEqual({ published: 1, duplicates: 0 });
  });
});
