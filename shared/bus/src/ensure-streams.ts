import {
  DiscardPolicy,
  nanos,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamInfo,
} from "nats";
import { busNames, type BusNames } from "./bus-names.js";
import { ensureStream, type ManagedStreamConfig } from "./ensure-stream.js";

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

export interface EnsureStreamsOptions {
  /** Stream replicas: 1 on a single server, 3 on a cluster. Default 1. */
  replicas?: number;
  /** How long the events stream keeps events for replay. Default 7 days. */
  eventsMaxAgeMs?: number;
  /** How long a `Nats-Msg-Id` is remembered for dedup. Default 2 minutes. */
  duplicateWindowMs?: number;
}

/** Warden's four streams, by role. */
export type WardenStreams = Record<keyof BusNames["streams"], StreamInfo>;

/** The stream configurations `ensureStreams` provisions, exposed so tests and tools can compare. */
export function wardenStreamConfigs(
  namespace: string,
  options: EnsureStreamsOptions = {},
): Record<keyof BusNames["streams"], ManagedStreamConfig> {
  const names = busNames(namespace);
  const replicas = options.replicas ?? 1;
  const duplicateWindow = nanos(options.duplicateWindowMs ?? 2 * MINUTE_MS);
  // Work queues: a message lives until one consumer acks (or terms) it, on
  // disk, and a publish retried with the same Nats-Msg-Id is dropped.
  const workQueue = (name: string, subjects: string[]): ManagedStreamConfig => ({
    name,
    subjects,
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    num_replicas: replicas,
    duplicate_window: duplicateWindow,
    max_age: 0,
    discard: DiscardPolicy.Old,
  });
  return {
    revokePlan: workQueue(names.streams.revokePlan, [names.subjects.revokePlan]),
    revokeItems: workQueue(names.streams.revokeItems, [names.subjects.revokeItems]),
    refreshDue: workQueue(names.streams.refreshDue, [names.subjects.refreshDue]),
    events: {
      name: names.streams.events,
      subjects: [names.subjects.events],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: replicas,
      duplicate_window: duplicateWindow,
      max_age: nanos(options.eventsMaxAgeMs ?? 7 * DAY_MS),
      discard: DiscardPolicy.Old,
    },
  };
}

/** Creates or updates Warden's work-queue and events streams; idempotent and safe from many replicas at once. */
export async function ensureStreams(
  jsm: JetStreamManager,
  namespace: string,
  options: EnsureStreamsOptions = {},
): Promise<WardenStreams> {
  const configs = wardenStreamConfigs(namespace, options);
  const [revokePlan, revokeItems, refreshDue, events] = await Promise.all([
    ensureStream(jsm, configs.revokePlan),
    ensureStream(jsm, configs.revokeItems),
    ensureStream(jsm, configs.refreshDue),
    ensureStream(jsm, configs.events),
  ]);
  return { revokePlan, revokeItems, refreshDue, events };
}
