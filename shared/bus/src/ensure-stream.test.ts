import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiscardPolicy, nanos, RetentionPolicy, StorageType } from "nats";
import type { Bus } from "./connect-bus.js";
import { differingSettings, ensureStream, type ManagedStreamConfig } from "./ensure-stream.js";
import { connectTestBus, randomNamespace } from "./test-bus.js";

const namespace = randomNamespace();
const name = `${namespace.toUpperCase()}_PLAIN`;
const config: ManagedStreamConfig = {
  name,
  subjects: [`${namespace}.a`, `${namespace}.b`],
  retention: RetentionPolicy.Limits,
  storage: StorageType.File,
  num_replicas: 1,
  duplicate_window: nanos(60_000),
  max_age: nanos(3_600_000),
  discard: DiscardPolicy.Old,
};
let bus: Bus;

beforeAll(async () => {
  bus = await connectTestBus("ensure-stream.test");
});

afterAll(async () => {
  await bus.jsm.streams.delete(name).catch(() => false);
  await bus.close();
});

describe("ensureStream", { timeout: 30_000 }, () => {
  it("compares subjects as a set and reports each differing setting", () => {
    expect(differingSettings({ ...config, subjects: [...config.subjects].reverse() }, config)).toEqual([]);
    expect(differingSettings({ ...config, max_age: 0, subjects: [`${namespace}.a`] }, config)).toEqual([
      "subjects",
      "max_age",
    ]);
  });

  it("adds a subject to an existing stream without recreating it", async () => {
    const first = await ensureStream(bus.jsm, config);
    const widened = await ensureStream(bus.jsm, {
      ...config,
      subjects: [...config.subjects, `${namespace}.c`],
    });
    expect(widened.created).toBe(first.created);
    expect(widened.config.subjects).toHaveLength(3);
  });

  it("fails loud when an immutable setting would change", async () => {
    await expect(
      ensureStream(bus.jsm, {
        ...config,
        subjects: [...config.subjects, `${namespace}.c`],
        storage: StorageType.Memory,
      }),
    ).rejects.toThrow();
  });
});
