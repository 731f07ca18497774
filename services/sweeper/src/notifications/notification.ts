/** What a notification is about. */
export type NotificationKind =
  | "reconnect_digest"
  /** One account whose rotated refresh token died with a token-refresh process (status_reason rotation_lost). */
  | "refresh_rotation_lost"
  | "job_completed_with_failures"
  | "lease_expired"
  | "auth_config_fault"
  | "auth_config_recovered";

/**
 * One message for operators. Built only from ids, counts, statuses and
 * provider error codes: never a token, secret or provider error text.
 */
export interface Notification {
  /** Receivers drop repeats with the same key (sent as a header and a body field). */
  idempotencyKey: string;
  kind: NotificationKind;
  title: string;
  text: string;
  occurredAt: Date;
  metadata: Record<string, string | number | boolean | string[]>;
}

/** A sink. `send` resolves once delivered; it retries transient failures itself and throws when it gives up. */
export interface Notifier {
  readonly name: string;
  send(notification: Notification, signal: AbortSignal): Promise<void>;
}

/** The JSON body a webhook receives. */
export function notificationBody(notification: Notification): Record<string, unknown> {
  return {
    idempotency_key: notification.idempotencyKey,
    kind: notification.kind,
    title: notification.title,
    text: notification.text,
    occurred_at: notification.occurredAt.toISOString(),
    metadata: notification.metadata,
  };
}
