import type { Logger } from "@warden/logger";
import { PermanentError, retryUntilDone, type RetryPolicy } from "../retry-policy.js";
import { notificationBody, type Notification, type Notifier } from "./notification.js";
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from "./webhook-signature.js";

export interface WebhookNotifierOptions {
  url: string;
  /** `json`: Warden's body, signed when a secret is set. `slack`: `{"text": …}` for Slack incoming webhooks. */
  format: "json" | "slack";
  /** HMAC-SHA256 key for the signature header (json format). */
  secret?: string;
  policy: RetryPolicy;
  /** One POST's deadline; a timeout counts as transient. */
  timeoutMs: number;
  logger: Logger;
}

/** The Slack incoming-webhook body: the text Slack shows, plus our key for receivers that dedup. */
export function slackBody(notification: Notification): Record<string, unknown> {
  return {
    text: `*${notification.title}*\n${notification.text}`,
    idempotency_key: notification.idempotencyKey,
  };
}

/**
 * A webhook sink: POSTs the notification (re-signed with a fresh timestamp on
 * every attempt), retrying 5xx, 408, 429, timeouts and network errors with the
 * retry policy until delivered or aborted; any other 4xx is permanent.
 */
export function createWebhookNotifier(options: WebhookNotifierOptions): Notifier {
  const origin = safeOrigin(options.url);
  const name = `${options.format === "slack" ? "slack" : "webhook"}:${origin}`;
  return {
    name,
    async send(notification, signal) {
      const body = JSON.stringify(
        options.format === "slack" ? slackBody(notification) : notificationBody(notification),
      );
      await retryUntilDone(
        async () => {
          const timestamp = Math.floor(Date.now() / 1000);
          const headers: Record<string, string> = {
            "content-type": "application/json",
            [IDEMPOTENCY_HEADER]: notification.idempotencyKey,
            [TIMESTAMP_HEADER]: String(timestamp),
          };
          if (options.secret && options.format === "json") {
            headers[SIGNATURE_HEADER] = signWebhook(options.secret, timestamp, body);
          }
          let response: Response;
          try {
            response = await fetch(options.url, {
              method: "POST",
              headers,
              body,
              signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]),
            });
          } catch (error) {
            signal.throwIfAborted();
            throw new Error(
              `POST to ${origin} failed: ${error instanceof Error ? error.message : String(error)}`,
            );
          }
          await response.body?.cancel().catch(() => undefined);
          if (response.ok) return;
          const transient = response.status >= 500 || response.status === 408 || response.status === 429;
          const message = `POST to ${origin} answered HTTP ${response.status}`;
          if (!transient) throw new PermanentError(message);
          throw new Error(message);
        },
        {
          policy: options.policy,
          signal,
          onRetry: (error, attempt, delayMs) =>
            options.logger.warn(
              {
                sink: name,
                key: notification.idempotencyKey,
                attempt,
                delayMs,
                error: (error as Error).message,
              },
              "notification delivery failed; retrying",
            ),
        },
      );
    },
  };
}

// Only the origin is ever logged: webhook paths often embed a secret (Slack's do).
function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "invalid-url";
  }
}
