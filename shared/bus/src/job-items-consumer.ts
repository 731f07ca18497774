const PREFIX = "ITEMS_";

/**
 * The durable consumer of one revoke job's items (job ids are safe
 * consumer-name characters): the executor consumes it, the sweeper's
 * recovery inspects and resets it.
 */
export function jobItemsConsumerName(jobId: string): string {
  return `${PREFIX}${jobId}`;
}

/** The job id of a per-job items consumer name, or undefined for any other consumer. */
export function jobIdOfItemsConsumer(name: string): string | undefined {
  return name.startsWith(PREFIX) ? name.slice(PREFIX.length) : undefined;
}
