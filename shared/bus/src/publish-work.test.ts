import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromBinary } from "@bufbuild/protobuf";
import { RefreshDueSchema } from "@warden/proto/work/v1";
import { busNames } from "./bus-names.js";
import type { Bus } from "./connect-bus.js";
import { ensureStreams } from "./ensure-streams.js";
import { publishWork } from "./publish-work.js";
import { connectTestBus, deleteNamespaceStreams, randomNamespace } from "./test-bus.js";

const namespace = randomNamespace();
const names = busNames(namespace);
let bus: Bus;

beforeAll(async () => {
  bus = await connectTestBus("publish-work.test");
  await ensureStreams(bus.jsm, namespace);
});

afterAll(async () => {
  await deleteNamespaceStreams(bus.jsm, namespace);
  await bus.close();
});

describe("publishWork", { timeout: 30_000 }, () => {
  it("stores protobuf binary and drops a duplicate Nats-Msg-Id", async () => {
    const first = await publishWork(
      bus.js,
      names.subjects.refreshDue,
      RefreshDueSchema,
      { accountId: "ca_1" },
      {
        msgId: "refresh:ca_1",
      },
    );
    const again = await publishWork(
      bus.js,
      names.subjects.refreshDue,
      RefreshDueSchema,
      { accountId: "ca_1" },
      {
        msgId: "refresh:ca_1",
      },
    );
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ stream: names.streams.refreshDue, seq: first.seq, duplicate: true });
    const info = await bus.jsm.streams.info(names.streams.refreshDue);
    expect(info.state.messages).toBe(1);
    const stored = await bus.jsm.streams.getMessage(names.streams.refreshDue, { seq: first.seq });
    expect(fromBinary(RefreshDueSchema, stored.data).accountId).toBe("ca_1");
    expect(stored.header.get("Nats-Msg-Id")).toBe("refresh:ca_1");
  });

  it("fails instead of hanging when no stream captures the subject", async () => {
    await expect(
      publishWork(
        bus.js,
        `${namespace}.nowhere`,
        RefreshDueSchema,
        { accountId: "ca_1" },
        { msgId: "x", timeoutMs: 1_000 },
      ),
    ).rejects.toThrow();
  });
});
