import { fromBinary } from "@bufbuild/protobuf";
import { busNames, connectBus, ensureStreams, type Bus } from "@warden/bus";
import { createDatabase, dropNamespaceSchema, migrateToLatest, type DatabaseHandle } from "@warden/db";
import { AccountEventSchema } from "@warden/proto/events/v1";
import { startPrivateNats, testNamespace, waitFor, type PrivateServer } from "@warden/testkit";
import type { NatsConnection, Subscription } from "nats";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueEvents } from "./enqueue-events.js";
import { outboxEventOf, type OutboxEvent } from "./outbox-event.js";
import { registerOutboxMetrics } from "./outbox-metrics.js";
import { startOutboxRelay, type OutboxRelay } from "./outbox-relay.js";
import { pendingOutboxEvents } from "./pending-outbox-events.js";
import { relayOutboxBatch } from "./relay-outbox-batch.js";

const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

// Drops the test schemas at the end; each test opens (and closes) its own handle.
let admin: DatabaseHandle;
let bus: Bus;
const namespaces: string[] = [];

beforeAll(async () => {
  bus = await connectBus({ servers: [NATS_URL], name: "outbox-relay.test", reconnectTimeWaitMs: 100 });
  admin = createDatabase({ url: DATABASE_URL, namespace: "public", maxConnections: 1 });
});

afterAll(async () => {
  for (const namespace of namespaces) {
    const names = busNames(namespace);
    await Promise.all(Object.values(names.streams).map((s) => bus.jsm.streams.delete(s).catch(() => false)));
  }
  await bus.close();
  for (const namespace of namespaces) await dropNamespaceSchema(admin.db, namespace);
  await admin.close();
});

/** A fresh schema and streams; the database handle is shared by the file (search_path set per namespace). */
async function setUp(label: string) {
  const namespace = testNamespace(`outbox_${label}`);
  namespaces.push(namespace);
  const handle = createDatabase({ url: DATABASE_URL, namespace, maxConnections: 4 });
  await migrateToLatest(handle.db, namespace);
  await ensureStreams(bus.jsm, namespace);
  return { namespace, names: busNames(namespace), handle };
}

function accountEvents(names: ReturnType<typeof busNames>, count: number, label = "ca"): OutboxEvent[] {
  return Array.from({ length: count }, (_, i) =>
    outboxEventOf(names.subjects.accountEvent(`${label}_${i}`, "revoked"), AccountEventSchema, {
      accountId: `${label}_${i}`,
      jobId: "pj_1",
    }),
  );
}

/** Collects every event id a plain NATS subscriber sees, and how often. */
function collect(nc: NatsConnection, subject: string): { seen: Map<string, number>; sub: Subscription } {
  const seen = new Map<string, number>();
  const sub = nc.subscribe(subject, {
    callback: (error, msg) => {
      if (error) return;
      const id = fromBinary(AccountEventSchema, msg.data).eventId;
      expect(msg.headers?.get("Nats-Msg-Id")).toBe(id);
      seen.set(id, (seen.get(id) ?? 0) + 1);
    },
  });
  return { seen, sub };
}

async function outboxCount(handle: DatabaseHandle): Promise<number> {
  return (await pendingOutboxEvents(handle.db)).length;
}

describe("the outbox relay", { timeout: 90_000 }, () => {
  it("publishes a committed event with Nats-Msg-Id = event_id and removes it from the outbox", async () => {
    const { namespace, names, handle } = await setUp("commit");
    const { seen, sub } = collect(bus.nc, names.subjects.accountEvents());
    await bus.nc.flush();
    const relay = startOutboxRelay({
      db: handle.db,
      nc: bus.nc,
      namespace,
      listenClientConfig: handle.pool.options,
      logger: silent,
      // A poll this slow proves NOTIFY woke the relay.
      settings: { pollIntervalMs: 60_000 },
    });
    try {
      const events = accountEvents(names, 3);
      await waitFor(async () => (await outboxCount(handle)) === 0, { message: "listener ready" });
      await handle.db.transaction().execute((trx) => enqueueEvents(trx, events));
      await waitFor(() => seen.size === 3, { message: "three events" });
      expect([...seen.keys()].sort()).toEqual(events.map((e) => e.eventId).sort());
      await waitFor(async () => (await outboxCount(handle)) === 0, { message: "outbox trimmed" });
    } finally {
      sub.unsubscribe();
      await relay.stop(1_000);
      await handle.close();
    }
  });

  it("never publishes an event written in a rolled-back transaction", async () => {
    const { namespace, names, handle } = await setUp("rollback");
    const { seen, sub } = collect(bus.nc, names.subjects.accountEvents());
    await bus.nc.flush();
    const relay = startOutboxRelay({
      db: handle.db,
      nc: bus.nc,
      namespace,
      listenClientConfig: handle.pool.options,
      logger: silent,
      settings: { pollIntervalMs: 50 },
    });
    try {
      const [doomed] = accountEvents(names, 1, "doomed");
      await expect(
        handle.db.transaction().execute(async (trx) => {
          await enqueueEvents(trx, [doomed!]);
          throw new Error("the state change failed");
        }),
      ).rejects.toThrow("the state change failed");
      // A later committed event is the marker: once it arrived, the relay has looked past the rolled-back one.
      const [marker] = accountEvents(names, 1, "marker");
      await handle.db.transaction().execute((trx) => enqueueEvents(trx, [marker!]));
      await waitFor(() => seen.has(marker!.eventId), { message: "the committed marker" });
      expect(seen.has(doomed!.eventId)).toBe(false);
      const info = await bus.jsm.streams.info(names.streams.events);
      expect(info.state.messages).toBe(1);
    } finally {
      sub.unsubscribe();
      await relay.stop(1_000);
      await handle.close();
    }
  });

  it("two relays publish 5,000 events with none missing and the stream holding each once", async () => {
    const { namespace, names, handle } = await setUp("two");
    const { seen, sub } = collect(bus.nc, names.subjects.accountEvents());
    await bus.nc.flush();
    const start = () =>
      startOutboxRelay({
        db: handle.db,
        nc: bus.nc,
        namespace,
        listenClientConfig: handle.pool.options,
        logger: silent,
        settings: { batchSize: 100, pollIntervalMs: 50 },
      });
    const relays = [start(), start()];
    try {
      const events = accountEvents(names, 5_000);
      // Fifty commits of a hundred, racing the relays.
      for (let i = 0; i < events.length; i += 100)
        await handle.db.transaction().execute((trx) => enqueueEvents(trx, events.slice(i, i + 100)));
      await waitFor(() => seen.size === events.length, { message: "every event", timeoutMs: 60_000 });
      await waitFor(async () => (await outboxCount(handle)) === 0, { message: "outbox trimmed" });
      expect(events.every((e) => seen.has(e.eventId))).toBe(true);
      // SKIP LOCKED: no row is claimed by both, so nothing reached subscribers twice.
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      const info = await bus.jsm.streams.info(names.streams.events);
      expect(info.state.messages).toBe(events.length);
    } finally {
      sub.unsubscribe();
      await Promise.all(relays.map((r: OutboxRelay) => r.stop(1_000)));
      await handle.close();
    }
  });

  it("publishes each event of a many-event row as its own message, claiming rows up to the events limit", async () => {
    const { names, handle } = await setUp("claims");
    const { seen, sub } = collect(bus.nc, names.subjects.accountEvents());
    await bus.nc.flush();
    const options = { limit: 100, window: 64, publishTimeoutMs: 5_000, publishAttempts: 2 };
    try {
      const rows = [3, 600, 2, 2].map((count, row) => accountEvents(names, count, `row${row}`));
      for (const events of rows) await handle.db.transaction().execute((trx) => enqueueEvents(trx, events));
      // The first two rows: the second starts below the limit, so it goes whole, and the claim says more wait.
      expect(await relayOutboxBatch(handle.db, bus.nc, options)).toEqual({
        rows: 2,
        events: 603,
        full: true,
      });
      expect(await relayOutboxBatch(handle.db, bus.nc, options)).toEqual({ rows: 2, events: 4, full: false });
      expect(await relayOutboxBatch(handle.db, bus.nc, options)).toEqual({ rows: 0, events: 0, full: false });
      await waitFor(() => seen.size === 607, { message: "every event" });
      expect(rows.flat().every((e) => seen.get(e.eventId) === 1)).toBe(true);
      expect((await bus.jsm.streams.info(names.streams.events)).state.messages).toBe(607);
      expect(await outboxCount(handle)).toBe(0);
    } finally {
      sub.unsubscribe();
      await handle.close();
    }
  });

  it("reports pending events and the age of the oldest, and zero once relayed", async () => {
    const { names, handle } = await setUp("metrics");
    const registry = new Registry();
    registerOutboxMetrics(registry, handle.db);
    try {
      await handle.db.transaction().execute((trx) => enqueueEvents(trx, accountEvents(names, 7)));
      await handle.db
        .updateTable("outbox_batches")
        .set({ created_at: new Date(Date.now() - 30_000) })
        .execute();
      const value = async (name: string) =>
        (await registry.getSingleMetric(name)!.get()).values[0]?.value ?? Number.NaN;
      expect(await value("warden_outbox_pending")).toBe(7);
      expect(await value("warden_outbox_lag_seconds")).toBeGreaterThanOrEqual(29);
      await handle.db.deleteFrom("outbox_batches").execute();
      await waitFor(async () => (await value("warden_outbox_pending")) === 0, { message: "pending 0" });
      expect(await value("warden_outbox_lag_seconds")).toBe(0);
    } finally {
      await handle.close();
    }
  });
});

describe("the outbox relay across a NATS outage", { timeout: 120_000 }, () => {
  let nats: PrivateServer;
  let privateBus: Bus;

  beforeAll(async () => {
    nats = await startPrivateNats();
    privateBus = await connectBus({
      servers: [nats.url],
      name: "outbox-outage.test",
      reconnectTimeWaitMs: 100,
    });
  });

  afterAll(async () => {
    await privateBus?.close();
    await nats?.dispose();
  });

  it("keeps what was committed while NATS was down and publishes all of it once NATS is back", async () => {
    const namespace = testNamespace("outbox_outage");
    namespaces.push(namespace);
    const handle = createDatabase({ url: DATABASE_URL, namespace, maxConnections: 4 });
    await migrateToLatest(handle.db, namespace);
    const names = busNames(namespace);
    await ensureStreams(privateBus.jsm, namespace);
    const relay = startOutboxRelay({
      db: handle.db,
      nc: privateBus.nc,
      namespace,
      listenClientConfig: handle.pool.options,
      logger: silent,
      settings: { pollIntervalMs: 100, publishTimeoutMs: 500, maxBackoffMs: 500 },
    });
    try {
      const before = accountEvents(names, 500, "before");
      await handle.db.transaction().execute((trx) => enqueueEvents(trx, before));
      await waitFor(async () => (await outboxCount(handle)) === 0, { message: "first batch relayed" });

      await nats.kill();
      const during = accountEvents(names, 2_000, "during");
      for (let i = 0; i < during.length; i += 250)
        await handle.db.transaction().execute((trx) => enqueueEvents(trx, during.slice(i, i + 250)));
      // Nothing can be acked while NATS is down, so nothing leaves the outbox.
      expect(await outboxCount(handle)).toBe(during.length);

      await nats.start();
      await waitFor(async () => (await outboxCount(handle)) === 0, {
        message: "outbox drained after NATS came back",
        timeoutMs: 60_000,
      });
      // Every event is in the stream (the store survived the SIGKILL for what was acked before).
      const ids = new Set<string>();
      const consumer = await privateBus.js.consumers.get(names.streams.events);
      const messages = await consumer.fetch({ max_messages: 3_000, expires: 5_000 });
      for await (const msg of messages) {
        ids.add(fromBinary(AccountEventSchema, msg.data).eventId);
        if (ids.size >= during.length + before.length) break;
      }
      expect(during.every((e) => ids.has(e.eventId))).toBe(true);
    } finally {
      await relay.stop(1_000);
      await handle.close();
    }
  });
});
