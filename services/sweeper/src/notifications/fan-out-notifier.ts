import type { Notifier } from "./notification.js";

/**
 * Sends to every sink at once and independently: a slow, dead or failing sink
 * never delays or blocks another. Resolves when all delivered; otherwise
 * rejects with an AggregateError of the sinks that failed (after all settled).
 */
export function createFanOutNotifier(sinks: Notifier[]): Notifier {
  return {
    name: `fan-out(${sinks.map((s) => s.name).join(",")})`,
    async send(notification, signal) {
      const results = await Promise.allSettled(sinks.map((sink) => sink.send(notification, signal)));
      const errors = results.flatMap((result, i) =>
        result.status === "rejected"
          ? [
              new Error(`${sinks[i]!.name}: ${(result.reason as Error)?.message ?? String(result.reason)}`, {
                cause: result.reason,
              }),
            ]
          : [],
      );
      if (errors.length > 0)
        throw new AggregateError(errors, `${errors.length} of ${sinks.length} sinks failed`);
    },
  };
}
