import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { millis, RetentionPolicy, StorageType } from "nats";
import { busNames } from "./bus-names.js";
import type { Bus } from "./connect-bus.js";
import { ensureStreams, wardenStreamConfigs } from "./ensure-streams.js";
import { connectTestBus, deleteNamespaceStreams, randomNamespace } from "./test-bus.js";

const namespace = randomNamespace();
const names = busNames(namespace);
let bus: Bus;

beforeAll(async () => {
  bus = await connectTestBus("ensure-streams.test");
});

afterAll(async () => {
  await deleteNamespaceStreams(bus.jsm, namespace);
  await bus.close();
});

describe("ensureStreams", { timeout: 30_000 }, () => {
  it("ten replicas provisioning at once all succeed and agree", async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => ensureStreams(bus.jsm, namespace)));
    for (const streams of results) {
      expect(streams.revokeItems.config.name).toBe(names.streams.revokeItems);
    }
    const items = await bus.jsm.streams.info(names.streams.revokeItems);
    expect(items.config.retention).toBe(RetentionPolicy.Workqueue);
    expect(items.config.storage).toBe(StorageType.File);
    expect(items.config.subjects).toEqual([names.subjects.revokeItems]);
    expect(millis(items.config.duplicate_window)).toBe(120_000);
    const events = await bus.jsm.streams.info(names.streams.events);
    expect(events.config.retention).toBe(RetentionPolicy.Limits);
    expect(events.config.subjects).toEqual([names.subjects.events]);
    expect(millis(events.config.max_age)).toBe(7 * 24 * 3_600_000);
  });

  it("running it again changes nothing", async () => {
    const before = await bus.jsm.streams.info(names.streams.events);
    await ensureStreams(bus.jsm, namespace);
    const after = await bus.jsm.streams.info(names.streams.events);
    expect(after.created).toBe(before.created);
    expect(after.config).toEqual(before.config);
  });

  it("a changed setting updates the existing stream in place", async () => {
    const configs = wardenStreamConfigs(namespace, { eventsMaxAgeMs: 3_600_000 });
    const results = await Promise.all(
      Array.from({ length: 3 }, () => ensureStreams(bus.jsm, namespace, { eventsMaxAgeMs: 3_600_000 })),
    );
    for (const streams of results) expect(streams.events.config.max_age).toBe(configs.events.max_age);
    const events = await bus.jsm.streams.info(names.streams.events);
    expect(millis(events.config.max_age)).toBe(3_600_000);
  });
});
