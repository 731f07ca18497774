// Test fixtures: each test file gets its own random namespace on the shared
// NATS, so files run in parallel without seeing each other's streams.
import { randomBytes } from "node:crypto";
import { DiscardPolicy, nanos, RetentionPolicy, StorageType, type JetStreamManager } from "nats";
import type { BusLogger } from "./bus-logger.js";
import { busNames } from "./bus-names.js";
import { connectBus, type Bus } from "./connect-bus.js";
import { ensureStream } from "./ensure-stream.js";
import { ensureWorkConsumer, type WorkConsumerOptions } from "./ensure-work-consumer.js";

export const TEST_NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

/** A fresh namespace such as `bt3f9a1c0d`. */
export function randomNamespace(): string {
  return `bt${randomBytes(5).toString("hex")}`;
}

/** Connects to the shared test NATS. */
export function connectTestBus(name: string, logger?: BusLogger): Promise<Bus> {
  return connectBus({
    servers: TEST_NATS_URL.split(","),
    name,
    reconnectTimeWaitMs: 250,
    ...(logger ? { logger } : {}),
  });
}

/** Deletes every stream that captures a subject of the namespace. */
export async function deleteNamespaceStreams(jsm: JetStreamManager, namespace: string): Promise<void> {
  const streams: string[] = [];
  for await (const stream of jsm.streams.names(`${busNames(namespace).namespace}.>`)) streams.push(stream);
  await Promise.all(streams.map((stream) => jsm.streams.delete(stream).catch(() => false)));
}

export interface LogLine {
  level: keyof BusLogger;
  context: Record<string, unknown>;
  message: string;
}

/** A logger that keeps every line for assertions. */
export function capturingLogger(): BusLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: keyof BusLogger) =>
    (context: Record<string, unknown>, message: string): void => {
      lines.push({ level, context, message });
    };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** Polls `condition` every 20 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what = "condition",
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface TestWorkQueue {
  stream: string;
  subject: string;
  durable: string;
  /** Creates (or recreates) the shared durable; pass as `ensureConsumer`. */
  ensureConsumer: () => Promise<unknown>;
}

/** A private work-queue stream with one durable, named after `label`, inside `namespace`. */
export async function createTestWorkQueue(
  jsm: JetStreamManager,
  namespace: string,
  label: string,
  consumer: Partial<WorkConsumerOptions> = {},
): Promise<TestWorkQueue> {
  const stream = `${namespace.toUpperCase()}_${label.toUpperCase()}`;
  const subject = `${namespace}.${label}`;
  const durable = `${stream}_WORKER`;
  await ensureStream(jsm, {
    name: stream,
    subjects: [subject],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    num_replicas: 1,
    duplicate_window: nanos(120_000),
    max_age: 0,
    discard: DiscardPolicy.Old,
  });
  const ensureConsumer = () =>
    ensureWorkConsumer(jsm, stream, durable, {
      ackWaitMs: 30_000,
      maxDeliver: -1,
      maxAckPending: 10_000,
      ...consumer,
    });
  await ensureConsumer();
  return { stream, subject, durable, ensureConsumer };
}
