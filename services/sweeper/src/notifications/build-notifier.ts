import type { Logger } from "@warden/logger";
import type { RetryPolicy } from "../retry-policy.js";
import { createFanOutNotifier } from "./fan-out-notifier.js";
import { createLogNotifier } from "./log-notifier.js";
import type { Notifier } from "./notification.js";
import { createWebhookNotifier } from "./webhook-notifier.js";

export interface NotifierConfig {
  webhookUrls: string[];
  webhookSecret?: string;
  slackUrls: string[];
  timeoutMs: number;
  policy: RetryPolicy;
}

/** One notifier over every configured sink (webhooks, Slack webhooks), or the log-only sink when none is. */
export function buildNotifier(config: NotifierConfig, logger: Logger): Notifier {
  const common = { policy: config.policy, timeoutMs: config.timeoutMs, logger };
  const sinks = [
    ...config.webhookUrls.map((url) =>
      createWebhookNotifier({
        ...common,
        url,
        format: "json",
        ...(config.webhookSecret ? { secret: config.webhookSecret } : {}),
      }),
    ),
    ...config.slackUrls.map((url) => createWebhookNotifier({ ...common, url, format: "slack" })),
  ];
  if (sinks.length === 0) return createLogNotifier(logger);
  return sinks.length === 1 ? sinks[0]! : createFanOutNotifier(sinks);
}
