/** The LISTEN/NOTIFY channel that wakes a namespace's relays: `<namespace>_outbox`. */
export function outboxChannel(namespace: string): string {
  return `${namespace}_outbox`;
}
