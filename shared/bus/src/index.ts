export type { AccountEventKind, BusNames, JobEventKind, LeaseEventKind } from "./bus-names.js";
export { assertSubjectToken, busNames } from "./bus-names.js";
export type { BusLogFn, BusLogger } from "./bus-logger.js";
export { silentBusLogger } from "./bus-logger.js";
export type { Bus, ConnectBusOptions } from "./connect-bus.js";
export { connectBus } from "./connect-bus.js";
export type { ManagedStreamConfig } from "./ensure-stream.js";
export { ensureStream } from "./ensure-stream.js";
export type { EnsureStreamsOptions, WardenStreams } from "./ensure-streams.js";
export { ensureStreams, wardenStreamConfigs } from "./ensure-streams.js";
export type { WorkConsumerOptions } from "./ensure-work-consumer.js";
export { ensureWorkConsumer } from "./ensure-work-consumer.js";
export { purgeAckedWork } from "./purge-acked-work.js";
export type { PublishedWork, PublishWorkOptions } from "./publish-work.js";
export { publishWork } from "./publish-work.js";
export type { PublishedWorkBatch, PublishWorkBatchOptions, WorkToPublish } from "./publish-work-batch.js";
export { publishWorkBatch } from "./publish-work-batch.js";
export type { PublishEventOptions } from "./publish-event.js";
export { publishEvent } from "./publish-event.js";
export type { SubscribeEventsOptions } from "./subscribe-events.js";
export { subscribeEvents } from "./subscribe-events.js";
export type { AckMode, WorkDelivery, WorkOutcome } from "./work-outcome.js";
export { defaultRetryDelayMs } from "./work-outcome.js";
export type { PullOptions } from "./supervise-consumer.js";
export type { ConsumerLoopOptions, RunConsumerOptions } from "./run-consumer.js";
export { runConsumer } from "./run-consumer.js";
export type { RunBatchConsumerOptions } from "./run-batch-consumer.js";
export { runBatchConsumer } from "./run-batch-consumer.js";
export { jobIdOfItemsConsumer, jobItemsConsumerName } from "./job-items-consumer.js";
export type { ConsumerHealth } from "./reset-stale-consumer.js";
export { resetStaleConsumer } from "./reset-stale-consumer.js";
export {
  setTraceHeaders,
  traceContextOfHeaders,
  traceHeadersOf,
  traceHeadersOfActiveContext,
} from "./trace-headers.js";
