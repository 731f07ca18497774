import type { Logger } from "@warden/logger";
import type { Notifier } from "./notification.js";

/** The default sink when no webhook is configured: the notification as an info log line. */
export function createLogNotifier(logger: Logger): Notifier {
  return {
    name: "log",
    async send(notification) {
      logger.info(
        {
          notification: {
            key: notification.idempotencyKey,
            kind: notification.kind,
            metadata: notification.metadata,
          },
        },
        `${notification.title}: ${notification.text}`,
      );
    },
  };
}
