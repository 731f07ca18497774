export type { OutboxEvent } from "./outbox-event.js";
export { newEventId, outboxEventOf } from "./outbox-event.js";
export { enqueueEvents } from "./enqueue-events.js";
export { outboxChannel } from "./outbox-channel.js";
export type { RelayBatchOptions } from "./relay-outbox-batch.js";
export { relayOutboxBatch } from "./relay-outbox-batch.js";
export type { OutboxRelay, OutboxRelayDeps, OutboxRelaySettings } from "./outbox-relay.js";
export { DEFAULT_OUTBOX_RELAY_SETTINGS, startOutboxRelay } from "./outbox-relay.js";
export { registerOutboxMetrics } from "./outbox-metrics.js";
