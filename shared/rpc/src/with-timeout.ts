import { unavailable } from "@warden/errors";

/**
 * Settles like `work`, or rejects with an "unavailable" WardenError naming
 * `what` once `ms` pass, so a hung dependency fails the RPC fast instead of
 * hanging it. Given a function, it also receives an AbortSignal fired at the
 * deadline so the underlying call can be cancelled.
 */
export function withTimeout<T>(
  work: Promise<T> | ((signal: AbortSignal) => Promise<T>),
  ms: number,
  what: string,
): Promise<T> {
  const controller = new AbortController();
  const promise = typeof work === "function" ? work(controller.signal) : work;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = unavailable(`${what} timed out after ${ms}ms`);
      controller.abort(error);
      reject(error);
    }, ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
