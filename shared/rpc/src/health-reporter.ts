import { HealthCheckResponse_ServingStatus as ServingStatus } from "@warden/proto/health/v1";

/** Listener for one service's status; called on every change. */
export type HealthListener = (status: ServingStatus) => void;

/** The status that `grpc.health.v1.Health` reports; the process sets it, Check and Watch read it. */
export interface HealthReporter {
  /** Sets one service's status; `""` is the whole server. Ignored after shutdown(). */
  setStatus(service: string, serving: boolean): void;
  /** SERVING or NOT_SERVING, or SERVICE_UNKNOWN for a service never set. */
  getStatus(service: string): ServingStatus;
  /** Calls `listener` whenever `service` changes status; returns the unsubscribe function. */
  watch(service: string, listener: HealthListener): () => void;
  /**
   * Registers the services a server routes: each reports what `""` reports,
   * now and on every later change of `""`, unless set on its own afterwards.
   */
  serve(services: Iterable<string>): void;
  /** Marks every known service NOT_SERVING for good, so balancers drain us before we stop. */
  shutdown(): void;
}

/**
 * Creates a reporter in which the overall service `""` starts SERVING (the
 * process is up) and every named service is unknown until set.
 */
export function createHealthReporter(): HealthReporter {
  const statuses = new Map<string, ServingStatus>([["", ServingStatus.SERVING]]);
  const listeners = new Map<string, Set<HealthListener>>();
  // Services that mirror "": a server's routed services are exactly as healthy as the server.
  const following = new Set<string>();
  let shutDown = false;

  function update(service: string, status: ServingStatus): void {
    if (statuses.get(service) === status) return;
    statuses.set(service, status);
    for (const listener of listeners.get(service) ?? []) listener(status);
    if (service === "") for (const name of following) update(name, status);
  }

  return {
    setStatus(service, serving) {
      if (shutDown) return;
      if (service !== "") following.delete(service);
      update(service, serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    },
    getStatus(service) {
      return statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN;
    },
    watch(service, listener) {
      let set = listeners.get(service);
      if (!set) listeners.set(service, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(service);
      };
    },
    serve(services) {
      for (const service of services) {
        if (service === "" || statuses.has(service)) continue;
        following.add(service);
        update(service, statuses.get("")!);
      }
    },
    shutdown() {
      shutDown = true;
      for (const service of statuses.keys()) update(service, ServingStatus.NOT_SERVING);
    },
  };
}
