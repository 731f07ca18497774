import { fromBinary } from "@bufbuild/protobuf";
import { busNames } from "@warden/bus";
import { startMockProvider, type MockProvider } from "@warden/mock-provider";
import { AccountEventSchema, JobEventSchema } from "@warden/proto/events/v1";
import {
  DIAGNOSTICS,
  FIGURES,
  startPrivateNats,
  waitFor,
  type PrivateServer,
  type ServiceProcess,
} from "@warden/testkit";
import { type NatsConnection, type Subscription } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  expectCountsAddUp,
  readJob,
  seedProject,
  startProjectJob,
  waitForJobStatus,
} from "./test-fixtures.js";
import { openTestStack, startExecutorProcess, type TestStack } from "./test-stack.js";
import { pendingOutboxEvents } from "@warden/outbox";

// DESIGN §8 "Events are durable": every account `revoked` event and the job's
// `completed` event reach the events stream although NATS restarts and an
// executor is SIGKILLed mid-job. The test process runs no relay of its own:
// the executor processes' relays deliver everything.

const ACCOUNTS = 2_000;
let nats: PrivateServer;
let stack: TestStack;
let provider: MockProvider;
const children: ServiceProcess[] = [];

beforeAll(async () => {
  nats = await startPrivateNats();
  stack = await openTestStack("rexec_events", { nats: nats.url }, { relay: false });
  provider = await startMockProvider({ seed: 17 });
});

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await provider?.close();
  await stack?.close();
  await nats?.dispose();
});

/** A plain core-NATS subscriber (no Warden code), counting deliveries per event id. */
function subscribeAll(nc: NatsConnection, subject: string): { ids: Map<string, number>; sub: Subscription } {
  const ids = new Map<string, number>();
  const sub = nc.subscribe(subject, {
    callback: (error, msg) => {
      if (error) return;
      const id = msg.headers?.get("Nats-Msg-Id") ?? "";
      ids.set(id, (ids.get(id) ?? 0) + 1);
    },
  });
  return { ids, sub };
}

/** Every event the stream holds for the namespace, decoded, read by an ordered consumer from the start. */
async function readEventsStream(nc: NatsConnection, stream: string) {
  const js = nc.jetstream();
  const info = await (await nc.jetstreamManager()).streams.info(stream);
  const consumer = await js.consumers.get(stream);
  const revoked = new Map<string, Set<string>>();
  const completed = new Set<string>();
  let read = 0;
  const total = info.state.messages;
  while (read < total) {
    const messages = await consumer.fetch({ max_messages: 1_000, expires: 2_000 });
    let got = 0;
    for await (const msg of messages) {
      got++;
      read++;
      if (msg.subject.endsWith(".revoked") && msg.subject.includes(".events.account.")) {
        const event = fromBinary(AccountEventSchema, msg.data);
        expect(msg.headers?.get("Nats-Msg-Id")).toBe(event.eventId);
        const seen = revoked.get(event.accountId) ?? new Set<string>();
        seen.add(event.eventId);
        revoked.set(event.accountId, seen);
      } else if (msg.subject.endsWith(".completed")) {
        completed.add(fromBinary(JobEventSchema, msg.data).eventId);
      }
    }
    if (got === 0) break;
  }
  return { revoked, completed, read, total };
}

describe("revoke events across a NATS restart and an executor SIGKILL", () => {
  it("delivers every account revoked event and the job's completed event, none missing", async ({
    annotate,
  }) => {
    provider.configure({ latencyMs: 3 });
    const { db } = stack.database;
    const names = busNames(stack.namespace);
    const project = await seedProject(db, stack.keyring, {
      accounts: ACCOUNTS,
      revokeUrl: provider.revokeUrl,
    });
    const start = async (name: string) => {
      const child = await startExecutorProcess(stack, { name, logLevel: "info" });
      children.push(child);
      return child;
    };
    const [first] = [await start("revoke-executor-1"), await start("revoke-executor-2")];
    const live = subscribeAll(stack.bus.nc, names.subjects.events);
    await stack.bus.nc.flush();

    const jobId = await startProjectJob(db, stack.bus, stack.namespace, project);
    await waitFor(async () => (await readJob(db, jobId)).revoked >= ACCOUNTS / 5, {
      message: "the job to be under way",
      timeoutMs: 60_000,
    });
    // A NATS restart: the relays cannot publish while it is down, and what the
    // ledger commits meanwhile waits in the outbox.
    await nats.stop();
    await nats.start();
    await waitFor(async () => (await readJob(db, jobId)).revoked >= (ACCOUNTS * 3) / 5, {
      message: "the job to progress after the restart",
      timeoutMs: 120_000,
    });
    // An executor killed with events committed but maybe not yet relayed: the other's relay takes them.
    first!.kill("SIGKILL");
    await first!.exited;

    const job = await waitForJobStatus(db, jobId, "completed", 150_000).catch(async (error: unknown) => {
      await annotate(
        `${JSON.stringify(await readJob(db, jobId))}\n${children[1]!.logs().slice(-30).join("\n")}`,
        DIAGNOSTICS,
      );
      throw error;
    });
    expect(job).toMatchObject({ total: ACCOUNTS, revoked: ACCOUNTS, pending: 0 });
    await expectCountsAddUp(db, jobId);
    await waitFor(
      async () => {
        return (await pendingOutboxEvents(db)).length === 0;
      },
      { message: "the outbox to drain", timeoutMs: 60_000 },
    );

    const stream = await readEventsStream(stack.bus.nc, names.streams.events);
    const missing = project.accounts.filter((account) => !stream.revoked.has(account.id));
    // One revoked fact per account: redeliveries (same event id) are deduped by the stream or by id here.
    const doubled = [...stream.revoked.values()].filter((ids) => ids.size > 1).length;
    expect(stream.completed).toEqual(new Set([`completed:${jobId}:1`]));
    live.sub.unsubscribe();
    const liveRevoked = [...live.ids.keys()].length;
    await annotate(
      `events: stream holds ${stream.revoked.size}/${ACCOUNTS} revoked accounts (${missing.length} missing, ` +
        `${doubled} with two ids), completed ${stream.completed.size}; live subscriber saw ${liveRevoked} distinct ids`,
      FIGURES,
    );
    expect(missing).toHaveLength(0);
    expect(doubled).toBe(0);
    expect(live.ids.has(`completed:${jobId}:1`)).toBe(true);
  }, 300_000);
});
